"""`masthead serve`/`run` collect static files again when a source changed (an upgrade),
so pages never name a stylesheet the manifest does not know."""

import json
import os

from masthead.core.services import ensure_static_collected


def test_changed_static_sources_are_collected_again(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    extra = tmp_path / "extra"
    (extra / "probe").mkdir(parents=True)
    source = extra / "probe" / "probe.css"
    source.write_text("body { color: red; }\n")
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = [extra]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    manifest = settings.STATIC_ROOT / "staticfiles.json"

    ensure_static_collected()
    first = json.loads(manifest.read_text())["paths"]["probe/probe.css"]
    stamp_before = manifest.stat().st_mtime_ns

    ensure_static_collected()  # nothing changed: no second collection
    assert manifest.stat().st_mtime_ns == stamp_before

    source.write_text("body { color: blue; }\n")
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    from masthead.core.pagecache import current_generation

    generation = current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        ensure_static_collected()
    assert current_generation() != generation  # cached pages name the old files
    second = json.loads(manifest.read_text())["paths"]["probe/probe.css"]
    assert second != first
    assert "blue" in (settings.STATIC_ROOT / second).read_text()
