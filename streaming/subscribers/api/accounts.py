"""Accounts: plans, sign-up, token sign-in / refresh / sign-out, me."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from edge.locate import client_ip
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses
from streaming.core.tokens import IssuedTokens, api_token_refresh

from .. import selectors, services
from ..models import Plan
from .common import country_of

TAG = "Accounts"


class PlanSerializer(serializers.ModelSerializer):
    quality_label = serializers.CharField(read_only=True, help_text="e.g. 'Full HD 1080p'.")

    class Meta:
        model = Plan
        fields = ["slug", "name", "max_height", "quality_label", "screens", "price_cents", "currency"]
        extra_kwargs = {
            "slug": {"help_text": "Pass this to sign-up or a plan change."},
            "max_height": {"help_text": "Highest rendition (short side, pixels) this plan streams."},
            "screens": {"help_text": "Devices that may play at the same time."},
            "price_cents": {"help_text": "Monthly price in the currency's minor unit."},
        }


class TokensSerializer(serializers.Serializer):
    token_type = serializers.CharField(help_text="Always 'Bearer'.")
    access_token = serializers.CharField(help_text="Send as 'Authorization: Bearer <access_token>'.")
    access_expires_at = serializers.DateTimeField()
    access_expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")
    refresh_token = serializers.CharField(help_text="Keep in secure storage; trade it at /auth/refresh/ once.")
    refresh_expires_at = serializers.DateTimeField()
    device = serializers.CharField(help_text="This sign-in's device id: one screen for playback.")
    trusted_device = serializers.CharField(required=False, help_text=(
        "Sign-in and sign-up only: keep it, and send it with later sign-ins to this account: after many "
        "failed attempts at an account from anywhere, sign-ins without it wait, with it they do not."))

    @staticmethod
    def of(issued: IssuedTokens, *, trusted: bool = False) -> dict:
        s = issued.session
        answer = {
            "token_type": "Bearer", "access_token": issued.access_token,
            "access_expires_at": s.access_expires_at,
            "access_expires_in": settings.API_ACCESS_TOKEN_TTL,
            "refresh_token": issued.refresh_token, "refresh_expires_at": s.refresh_expires_at,
            "device": s.device,
        }
        if trusted:
            answer["trusted_device"] = services.trusted_device_proof(user=s.user)
        return answer


class PlanListApi(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(tags=[TAG], auth=[], operation_id="plans_list", summary="Plans offered at sign-up",
                   responses={200: PlanSerializer(many=True)})
    def get(self, request):
        return Response(PlanSerializer(selectors.plans_offered(), many=True).data)


class SignUpApi(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SignUpInput"

        username = serializers.CharField(max_length=150)
        email = serializers.EmailField()
        password = serializers.CharField(min_length=8, max_length=128, write_only=True,
                                         help_text="Checked by the server's password rules.")
        plan = serializers.SlugRelatedField(slug_field="slug", queryset=Plan.objects.filter(active=True),
                                            help_text="A plan slug from GET /plans/.")
        device_name = serializers.CharField(max_length=80, required=False, default="",
                                            help_text="Shown in the account's device list, e.g. 'Pixel 8'.")

    @extend_schema(tags=[TAG], auth=[], operation_id="auth_sign_up", request=InputSerializer,
                   summary="Create an account on a plan, and sign in",
                   description="Creates the account, its subscription and a first profile named after the "
                               "user, then answers tokens as sign-in does. Name taken: 409 `taken` with `fields`.",
                   responses={201: TokensSerializer, **error_responses(400, 409, 429)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.account_create(username=v["username"], email=v["email"], password=v["password"], plan=v["plan"])
        issued = services.api_sign_in(username=v["username"], password=v["password"],
                                      ip=client_ip(request) or "unknown", device_name=v["device_name"])
        return Response(TokensSerializer.of(issued, trusted=True), status=status.HTTP_201_CREATED)


class SignInApi(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SignInInput"

        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, write_only=True)
        device_name = serializers.CharField(max_length=80, required=False, default="")
        trusted_device = serializers.CharField(max_length=500, required=False, default="", allow_blank=True,
                                               help_text="The proof an earlier sign-in to this account gave.")

    @extend_schema(tags=[TAG], auth=[], operation_id="auth_sign_in", request=InputSerializer,
                   summary="Sign in: an access token and a refresh token",
                   description="Wrong credentials: 401 `bad_credentials`. After repeated failures for an "
                               "account or an address: 429 `throttled` with `extra.retry_after` (same counters "
                               "as the web sign-in); after many failures at the account from anywhere, "
                               "attempts without this app's `trusted_device` proof wait a growing delay. "
                               "The endpoint itself is rate limited per address.",
                   responses={200: TokensSerializer, **error_responses(400, 401, 429)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.api_sign_in(**data.validated_data, ip=client_ip(request) or "unknown")
        return Response(TokensSerializer.of(issued, trusted=True))


class RefreshApi(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token_refresh"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RefreshInput"

        refresh_token = serializers.CharField(max_length=200)

    @extend_schema(tags=[TAG], auth=[], operation_id="auth_refresh", request=InputSerializer,
                   summary="Trade the refresh token for a new token pair",
                   description="Both tokens rotate: keep the new refresh token. A refresh token presented a "
                               "second time revokes the sign-in (it was copied). 401 `token_invalid` or "
                               "`token_expired`: sign in again.",
                   responses={200: TokensSerializer, **error_responses(400, 401, 429)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(TokensSerializer.of(api_token_refresh(**data.validated_data)))


class SignOutApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="auth_sign_out", request=None,
                   summary="Sign out this device: revoke its tokens",
                   description="Revokes the access and refresh tokens of this sign-in and ends its playback.",
                   responses={204: None, **error_responses(401)})
    def post(self, request):
        services.api_sign_out(session=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionSerializer(serializers.Serializer):
    plan = PlanSerializer()
    status = serializers.ChoiceField(choices=["active", "pending", "cancelled"],
                                     help_text="Only 'active' can play.")
    started_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True, help_text="Null: renews until cancelled.")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    is_staff = serializers.BooleanField(help_text="Staff may use the /staff/ endpoints.")
    subscription = SubscriptionSerializer(allow_null=True)
    country = serializers.CharField(help_text="Where the server locates this device (ISO 3166 alpha-2); "
                                              "the catalog is filtered by it.")


class MeApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="me_retrieve", summary="The signed-in account",
                   responses={200: MeSerializer, **error_responses(401)})
    def get(self, request):
        user = request.user
        subscription = getattr(user, "subscription", None)
        return Response(MeSerializer({
            "username": user.get_username(), "email": user.email, "is_staff": user.is_staff,
            "subscription": subscription, "country": country_of(request),
        }).data)


class SubscriptionApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SubscriptionInput"

        plan = serializers.SlugRelatedField(slug_field="slug", queryset=Plan.objects.filter(active=True),
                                            help_text="A plan slug from GET /plans/.")

    @extend_schema(tags=[TAG], operation_id="me_subscription_retrieve", summary="The account's subscription",
                   responses={200: SubscriptionSerializer, **error_responses(401, 404)})
    def get(self, request):
        subscription = getattr(request.user, "subscription", None)
        if subscription is None:
            raise NotFound("This account has no subscription; choose a plan.")
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(tags=[TAG], operation_id="me_subscription_update", request=InputSerializer,
                   summary="Change plan (or start one)",
                   responses={200: SubscriptionSerializer, **error_responses(400, 401)})
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_change_plan(user=request.user, plan=data.validated_data["plan"])
        return Response(SubscriptionSerializer(subscription).data)
