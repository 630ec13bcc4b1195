"""Staff: ingest (source uploads that become transcode jobs) and job progress."""
from django.urls import path

from . import jobs, uploads

urlpatterns = [
    path("staff/uploads/", uploads.UploadCreateApi.as_view(), name="api-staff-uploads"),
    path("staff/uploads/<uuid:upload_id>/", uploads.UploadDetailApi.as_view(), name="api-staff-upload"),
    path("staff/uploads/<uuid:upload_id>/complete/", uploads.UploadCompleteApi.as_view(),
         name="api-staff-upload-complete"),
    path("staff/videos/<uuid:public_id>/", jobs.VideoStateApi.as_view(), name="api-staff-video"),
    path("staff/jobs/<int:job_id>/", jobs.JobDetailApi.as_view(), name="api-staff-job"),
    path("staff/jobs/<int:job_id>/retry/", jobs.JobRetryApi.as_view(), name="api-staff-job-retry"),
]
