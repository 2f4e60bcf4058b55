"""Ghost-shaped export files for the Ghost import tests.

A GhostExport collects the tables a Ghost 5.x "Export your content" file has
(plus the backup tables that carry members, newsletters and comments) and
writes them as JSON in one of the three layouts Ghost versions used:

- "db-list":   {"db": [{"meta": ..., "data": ...}]}   (Ghost 2 to 5)
- "db-object": {"db": {"meta": ..., "data": ...}}     (some Ghost 1 exports)
- "top":       {"meta": ..., "data": ...}             (Ghost 0.x)
"""

import datetime as dt
import itertools
import json
from pathlib import Path

TABLES = (
    "posts",
    "posts_authors",
    "posts_tags",
    "posts_meta",
    "tags",
    "users",
    "roles",
    "roles_users",
    "members",
    "newsletters",
    "members_newsletters",
    "labels",
    "members_labels",
    "comments",
    "settings",
)

_ids = itertools.count(1)


def object_id() -> str:
    """A 24-hex id like Ghost's ObjectIds, unique within the test run."""
    return f"65{next(_ids):022x}"


def ghost_time(value: dt.datetime | None) -> str | None:
    """Ghost's export form of a time: ISO 8601 in UTC with milliseconds and a Z."""
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


DEFAULT_TIME = dt.datetime(2023, 5, 1, 9, 30, tzinfo=dt.UTC)


class GhostExport:
    def __init__(self, *, version: str = "5.82.0", exported_on: int = 1_700_000_000_000):
        self.meta = {"exported_on": exported_on, "version": version}
        self.tables: dict[str, list[dict]] = {name: [] for name in TABLES}
        self.roles: dict[str, dict] = {}

    # --- rows ------------------------------------------------------------------

    def setting(self, key: str, value, *, group: str = "site") -> dict:
        row = {"id": object_id(), "group": group, "key": key, "value": value, "type": "string"}
        self.tables["settings"].append(row)
        return row

    def user(
        self,
        name: str,
        *,
        email: str | None = None,
        slug: str | None = None,
        role: str = "Author",
        **fields,
    ) -> dict:
        slug = slug or name.lower().replace(" ", "-")
        row = {
            "id": object_id(),
            "name": name,
            "slug": slug,
            "email": email if email is not None else f"{slug}@old.example",
            "bio": None,
            "profile_image": None,
            "website": None,
            "twitter": None,
            "status": "active",
            "created_at": ghost_time(DEFAULT_TIME),
            **fields,
        }
        self.tables["users"].append(row)
        if role not in self.roles:
            self.roles[role] = {"id": object_id(), "name": role}
            self.tables["roles"].append(self.roles[role])
        self.tables["roles_users"].append(
            {"id": object_id(), "role_id": self.roles[role]["id"], "user_id": row["id"]}
        )
        return row

    def tag(self, name: str, *, slug: str | None = None, **fields) -> dict:
        internal = name.startswith("#")
        default_slug = ("hash-" if internal else "") + name.lstrip("#").lower().replace(" ", "-")
        row = {
            "id": object_id(),
            "name": name,
            "slug": slug or default_slug,
            "description": None,
            "visibility": "internal" if internal else "public",
            **fields,
        }
        self.tables["tags"].append(row)
        return row

    def newsletter(self, name: str, *, slug: str | None = None, **fields) -> dict:
        row = {
            "id": object_id(),
            "uuid": f"uuid-{object_id()}",
            "name": name,
            "slug": slug or name.lower().replace(" ", "-"),
            "description": None,
            "status": "active",
            "sort_order": len(self.tables["newsletters"]),
            **fields,
        }
        self.tables["newsletters"].append(row)
        return row

    def post(
        self,
        title: str,
        *,
        html: str | None = "<p>Body.</p>",
        slug: str | None = None,
        status: str = "published",
        type: str = "post",  # noqa: A002 - Ghost's column name
        published_at: dt.datetime | None = DEFAULT_TIME,
        tags: list[dict] = (),
        authors: list[dict] = (),
        feature_image_alt: str | None = None,
        feature_image_caption: str | None = None,
        **fields,
    ) -> dict:
        row = {
            "id": object_id(),
            "uuid": f"uuid-{object_id()}",
            "title": title,
            "slug": slug or title.lower().replace(" ", "-"),
            "mobiledoc": None,
            "lexical": None,
            "html": html,
            "feature_image": None,
            "type": type,
            "status": status,
            "visibility": "public",
            "email_recipient_filter": "all",
            "created_at": ghost_time(published_at or DEFAULT_TIME),
            "updated_at": ghost_time(published_at or DEFAULT_TIME),
            "published_at": ghost_time(published_at) if status != "draft" else None,
            "custom_excerpt": None,
            "codeinjection_head": None,
            "codeinjection_foot": None,
            "canonical_url": None,
            **fields,
        }
        self.tables["posts"].append(row)
        for order, tag in enumerate(tags):
            self.tables["posts_tags"].append(
                {"id": object_id(), "post_id": row["id"], "tag_id": tag["id"], "sort_order": order}
            )
        for order, author in enumerate(authors):
            self.tables["posts_authors"].append(
                {
                    "id": object_id(),
                    "post_id": row["id"],
                    "author_id": author["id"],
                    "sort_order": order,
                }
            )
        if feature_image_alt is not None or feature_image_caption is not None:
            self.tables["posts_meta"].append(
                {
                    "id": object_id(),
                    "post_id": row["id"],
                    "feature_image_alt": feature_image_alt,
                    "feature_image_caption": feature_image_caption,
                }
            )
        return row

    def member(
        self,
        email: str,
        *,
        name: str | None = None,
        status: str = "free",
        newsletters: list[dict] = (),
        created_at: dt.datetime = DEFAULT_TIME,
        **fields,
    ) -> dict:
        row = {
            "id": object_id(),
            "uuid": f"uuid-{object_id()}",
            "email": email,
            "name": name,
            "status": status,
            "email_disabled": False,
            "created_at": ghost_time(created_at),
            "updated_at": ghost_time(created_at),
            **fields,
        }
        self.tables["members"].append(row)
        for newsletter in newsletters:
            self.tables["members_newsletters"].append(
                {"id": object_id(), "member_id": row["id"], "newsletter_id": newsletter["id"]}
            )
        return row

    def comment(
        self,
        post: dict,
        member: dict | None,
        html: str,
        *,
        parent: dict | None = None,
        status: str = "published",
        created_at: dt.datetime = DEFAULT_TIME,
        **fields,
    ) -> dict:
        row = {
            "id": object_id(),
            "post_id": post["id"],
            "member_id": member["id"] if member else None,
            "parent_id": parent["id"] if parent else None,
            "status": status,
            "html": html,
            "created_at": ghost_time(created_at),
            "updated_at": ghost_time(created_at),
            **fields,
        }
        self.tables["comments"].append(row)
        return row

    # --- output ----------------------------------------------------------------

    def as_dict(self, *, layout: str = "db-list") -> dict:
        export = {"meta": self.meta, "data": self.tables}
        if layout == "db-list":
            return {"db": [export]}
        if layout == "db-object":
            return {"db": export}
        if layout == "top":
            return export
        raise ValueError(f"unknown layout {layout!r}")

    def write(self, path: str | Path, *, layout: str = "db-list") -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.as_dict(layout=layout), indent=1), encoding="utf-8")
        return path
