"""Subscriber pages: landing, sign-up and sign-in, profiles, account."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from catalog.selectors import titles_new
from catalog.subtitles import language_choices
from edge.locate import client_country, client_ip
from streaming.core.errors import ApplicationError

from .. import selectors, services
from ..models import Plan, Profile
from ..viewer import Viewer, profile_choose, profile_current


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("catalog:browse")
    # What there is to watch here, as a wall of posters behind the offer.
    pictured = [t for t in titles_new(country=client_country(request), limit=16) if t.artwork.all()]
    showcase = [pictured[i % len(pictured)] for i in range(15)] if pictured else []  # three rows of five
    return render(request, "streaming/landing.html", {"plans": selectors.plans_offered(), "showcase": showcase})


# --- accounts ---------------------------------------------------------------------------


class SignUpForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    plan = forms.ModelChoiceField(queryset=Plan.objects.filter(active=True), empty_label=None,
                                  widget=forms.RadioSelect)


def signup(request: HttpRequest) -> HttpResponse:
    chosen = Plan.objects.filter(slug=request.GET.get("plan") or "standard", active=True).first()
    form = SignUpForm(request.POST or None, initial={"plan": chosen or Plan.objects.filter(slug="standard").first()})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_create(
                username=form.cleaned_data["username"], email=form.cleaned_data["email"],
                password=form.cleaned_data["password"], plan=form.cleaned_data["plan"],
            )
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome! Your {form.cleaned_data['plan'].name} plan is active.")
            return redirect("profiles")
    return render(request, "registration/signup.html", {"form": form})


TRUSTED_DEVICE_COOKIE = "trusted_device"


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in refused for a while after repeated failures from one address,
    and slowed after repeated failures at one account from anywhere, except
    on a browser that signed in to it before (services.login_account_wait)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. Wait %(wait)s, or reset your password.",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = (client_ip(self.request) if self.request else None) or "unknown"
        if not services.login_attempt_allowed(username=username, ip=ip):
            raise ValidationError(self.error_messages["throttled"], code="throttled",
                                  params={"wait": services.login_wait_text()})
        proof = self.request.COOKIES.get(TRUSTED_DEVICE_COOKIE, "") if self.request else ""
        wait = services.login_account_wait(
            username=username, trusted=services.trusted_device_check(proof=proof, username=username))
        if wait:
            raise ValidationError(services.login_account_wait_text(wait), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            services.login_failure_record(username=username, ip=ip)
            raise
        services.login_success_record(username=username, ip=ip)
        return cleaned


class SignInView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        target = self.get_redirect_url()
        return f"{reverse('profiles')}?next={target}" if target else reverse("profiles")

    def form_valid(self, form):
        response = super().form_valid(form)
        # This browser is now the account's own: the account's delay spares it.
        response.set_cookie(TRUSTED_DEVICE_COOKIE, services.trusted_device_proof(user=form.get_user()),
                            max_age=settings.LOGIN_TRUSTED_DEVICE_SECONDS, httponly=True, samesite="Lax",
                            secure=not settings.DEBUG)
        return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    subscription = getattr(request.user, "subscription", None)
    if request.method == "POST":
        plan = get_object_or_404(Plan, pk=request.POST.get("plan"), active=True)
        services.subscription_change_plan(user=request.user, plan=plan)
        messages.success(request, f"You are now on the {plan.name} plan.")
        return redirect("account")
    profile = profile_current(request)
    viewer = Viewer(user=request.user, profile=profile, country=client_country(request)) if profile else None
    return render(request, "streaming/account.html", {
        "subscription": subscription, "plans": selectors.plans_offered(),
        "sessions": selectors.sessions_active(user=request.user), "profile": profile, "viewer": viewer,
    })


# --- profiles ------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("catalog:browse")


@login_required
def profiles(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        profile = get_object_or_404(Profile, pk=request.POST.get("profile"), user=request.user)
        profile_choose(request, profile)
        return redirect(_safe_next(request))
    profiles = selectors.profiles_of(user=request.user)
    return render(request, "streaming/profiles.html", {
        "profiles": profiles, "next": _safe_next(request), "can_add": len(profiles) < Profile.MAX_PER_ACCOUNT,
    })


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=40)
    kids = forms.BooleanField(required=False, label="Kids profile (only titles rated for children)")


class LanguagesForm(forms.Form):
    audio_language = forms.ChoiceField(label="Audio", required=False)
    subtitle_language = forms.ChoiceField(label="Subtitles", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = language_choices()
        audio, subtitles = self.fields["audio_language"], self.fields["subtitle_language"]
        assert isinstance(audio, forms.ChoiceField) and isinstance(subtitles, forms.ChoiceField)
        audio.choices = [("", "The title's original language"), *names]
        subtitles.choices = [("", "Off"), *names]


@login_required
def profile_languages(request: HttpRequest, profile_id: int) -> HttpResponse:
    """A profile's preferred audio and subtitle languages: titles that have
    them start in them (the player's menus change them too)."""
    profile = get_object_or_404(Profile, pk=profile_id, user=request.user)
    form = LanguagesForm(request.POST or None, initial={"audio_language": profile.audio_language,
                                                        "subtitle_language": profile.subtitle_language})
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_languages_set(profile=profile, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("profiles")
    return render(request, "streaming/profile_languages.html", {"form": form, "profile": profile})


@login_required
def profile_new(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            profile_choose(request, profile)
            return redirect("catalog:browse")
    return render(request, "streaming/profile_form.html", {"form": form})
