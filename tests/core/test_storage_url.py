"""MEDIA_STORAGE_URL parsing (masthead.core.storage_url): what an operator types, what
django-storages gets, and a clear error for what cannot work."""

import pytest

from masthead.core.storage_url import StorageUrlError, media_origin, storage_from_url


def test_a_full_url_gives_the_s3_backend_and_its_options():
    storage = storage_from_url(
        "s3://AKIA123:s3cr3t@media-bucket?endpoint_url=https://s3.example.net"
        "&region_name=eu-west-1&location=site-a&custom_domain=cdn.example.net"
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "media-bucket",
        "access_key": "AKIA123",
        "secret_key": "s3cr3t",
        "endpoint_url": "https://s3.example.net",
        "region_name": "eu-west-1",
        "location": "site-a",
        "custom_domain": "cdn.example.net",
        "file_overwrite": False,
        "querystring_auth": False,
    }


def test_without_credentials_the_environment_or_an_instance_role_provides_them():
    options = storage_from_url("s3://media-bucket")["OPTIONS"]
    assert "access_key" not in options
    assert "secret_key" not in options
    assert options["bucket_name"] == "media-bucket"


def test_credentials_with_escaped_characters_are_unquoted():
    # AWS secrets may hold "/" and "+"; a URL needs them percent-encoded.
    options = storage_from_url("s3://AK%40ID:a%2Fb%2Bc%3Ad%40e%25@bucket")["OPTIONS"]
    assert options["access_key"] == "AK@ID"
    assert options["secret_key"] == "a/b+c:d@e%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("YES", True), ("on", True)]
    + [("false", False), ("0", False), ("No", False), ("off", False)],
)
def test_bool_options_take_the_usual_spellings(value, expected):
    options = storage_from_url(f"s3://b?querystring_auth={value}&file_overwrite={value}")["OPTIONS"]
    assert options["querystring_auth"] is expected
    assert options["file_overwrite"] is expected


@pytest.mark.parametrize("value", ["", "maybe", "2"])
def test_a_bool_option_that_is_not_a_bool_is_refused(value):
    with pytest.raises(StorageUrlError, match="querystring_auth must be true or false"):
        storage_from_url(f"s3://b?querystring_auth={value}")


@pytest.mark.parametrize(
    "url", ["https://bucket.s3.amazonaws.com", "gs://bucket", "bucket", "file:///srv/media"]
)
def test_a_scheme_other_than_s3_is_refused(url):
    with pytest.raises(StorageUrlError, match="must start with s3://"):
        storage_from_url(url)


@pytest.mark.parametrize("url", ["s3://", "s3:///path", "s3://key:secret@?region_name=x"])
def test_a_url_without_a_bucket_is_refused(url):
    with pytest.raises(StorageUrlError, match="names no bucket"):
        storage_from_url(url)


def test_an_unknown_option_is_named():
    with pytest.raises(StorageUrlError, match="unknown option 'regoin_name'"):
        storage_from_url("s3://bucket?regoin_name=eu-west-1")


def test_storage_url_errors_are_value_errors_for_environs():
    assert issubclass(StorageUrlError, ValueError)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("", None),
        ("s3://k:s@media?endpoint_url=http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        (
            "s3://k:s@media?endpoint_url=https://s3.example.net&addressing_style=virtual",
            "https://media.s3.example.net",
        ),
        ("s3://media?region_name=eu-west-1", "https://media.s3.eu-west-1.amazonaws.com"),
        ("s3://media", "https://media.s3.amazonaws.com"),
        ("s3://media?custom_domain=cdn.example.net", "https://cdn.example.net"),
        (
            "s3://media?custom_domain=cdn.example.net&url_protocol=http:",
            "http://cdn.example.net",
        ),
    ],
)
def test_media_origin_is_where_media_urls_point(url, origin):
    assert media_origin(url) == origin
