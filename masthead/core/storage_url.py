"""MEDIA_STORAGE_URL → a STORAGES entry, so media can move to object storage by one variable.

    s3://ACCESS_KEY:SECRET_KEY@bucket?endpoint_url=https://s3.example.net&region_name=eu-west-1

Query parameters are django-storages' S3 options (endpoint_url, region_name,
custom_domain, location, querystring_auth, default_acl, addressing_style,
signature_version, file_overwrite); credentials may instead come from the usual
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables or an instance role.  Imported
by settings.py, so it must not import Django models.
"""

from urllib.parse import parse_qsl, unquote, urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"
_TEXT_OPTIONS = {
    "endpoint_url",
    "region_name",
    "custom_domain",
    "location",
    "default_acl",
    "addressing_style",
    "signature_version",
    "url_protocol",
}
_BOOL_OPTIONS = {"querystring_auth", "file_overwrite", "use_ssl", "verify"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class StorageUrlError(ValueError):
    """MEDIA_STORAGE_URL cannot be understood; the message says what to fix."""


def storage_from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise StorageUrlError(
            f"MEDIA_STORAGE_URL must start with s3:// (got {parts.scheme or 'no scheme'}://)"
        )
    bucket = parts.hostname
    if not bucket:
        raise StorageUrlError("MEDIA_STORAGE_URL names no bucket: s3://[KEY:SECRET@]BUCKET?…")
    options: dict[str, object] = {
        "bucket_name": bucket,
        # Uploads keep their names unique (Wagtail renames clashes) and media URLs are
        # public and cacheable unless the operator asks for signed ones.
        "file_overwrite": False,
        "querystring_auth": False,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in _TEXT_OPTIONS:
            options[key] = value
        elif key in _BOOL_OPTIONS:
            lowered = value.lower()
            if lowered not in _TRUE | _FALSE:
                raise StorageUrlError(f"MEDIA_STORAGE_URL: {key} must be true or false")
            options[key] = lowered in _TRUE
        else:
            raise StorageUrlError(f"MEDIA_STORAGE_URL: unknown option {key!r}")
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def media_origin(url: str) -> str | None:
    """The origin media URLs point at (for the Content-Security-Policy's img-src), or
    None when they are the site's own (no MEDIA_STORAGE_URL)."""
    if not url:
        return None
    options = storage_from_url(url)["OPTIONS"]
    if domain := options.get("custom_domain"):
        return f"{options.get('url_protocol', 'https:')}//{domain}"
    endpoint = options.get("endpoint_url")
    if not endpoint:
        region = options.get("region_name")
        host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        if options.get("addressing_style") != "path":
            host = f"{options['bucket_name']}.{host}"
        return f"https://{host}"
    parts = urlsplit(endpoint)
    if options.get("addressing_style") == "virtual":
        return f"{parts.scheme}://{options['bucket_name']}.{parts.netloc}"
    return f"{parts.scheme}://{parts.netloc}"
