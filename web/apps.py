from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages: views, URLs and the admin. Installed so that Django finds `web.admin`."""

    name = "web"
