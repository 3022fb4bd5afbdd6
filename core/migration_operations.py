"""Operations our migrations share (they may import this module: it knows no model)."""

from __future__ import annotations

from django.db import migrations


def move_content_types(new_app: str, moved: list[tuple[str, str]]) -> migrations.RunPython:
    """Keep the content types of models moved into `new_app` from other apps, and with
    them their permissions and admin log entries. `moved` lists (old app label, model).
    A fresh database has none yet (post_migrate creates them after all migrations)."""

    def move(apps, forward: bool) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for old, model in moved:
            source, target = (old, new_app) if forward else (new_app, old)
            if not content_type.objects.filter(app_label=target, model=model).exists():
                content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    return migrations.RunPython(
        lambda apps, _schema_editor: move(apps, True),
        lambda apps, _schema_editor: move(apps, False),
    )
