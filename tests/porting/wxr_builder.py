"""WordPress WXR exports built from Python dicts, for the import tests.

build_wxr(site=..., authors=[...], categories=[...], tags=[...], items=[...]) returns
the XML text of a WXR 1.2 file as WordPress writes it (CDATA sections for text
that may hold markup).  Items take the keys of masthead.porting.wxr.Item plus
`date` ("YYYY-MM-DD HH:MM:SS", GMT), `categories` [(domain, nicename, name)],
`meta` {key: value} and `comments` [dict].
"""

import itertools
from xml.sax.saxutils import escape, quoteattr

SITE = "https://old.example.com"
_ids = itertools.count(100)


def cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA: split it across two sections, as WordPress does.
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _tag(name: str, value, *, raw=False) -> str:
    return f"<{name}>{value if raw else escape(str(value))}</{name}>"


def author(login: str, *, email="", display_name="", first="", last="", author_id=None) -> dict:
    return {
        "login": login,
        "email": email,
        "display_name": display_name or login,
        "first": first,
        "last": last,
        "id": author_id or next(_ids),
    }


def post(
    title: str,
    *,
    post_id=None,
    slug=None,
    status="publish",
    post_type="post",
    date="2021-03-04 05:06:07",
    creator="alice",
    content="<p>Hello world.</p>",
    excerpt="",
    categories=(("category", "news", "News"),),
    meta=None,
    comments=(),
    link=None,
    parent="0",
    attachment_url="",
) -> dict:
    post_id = post_id or next(_ids)
    slug = slug if slug is not None else title.lower().replace(" ", "-")
    return {
        "post_id": post_id,
        "title": title,
        "slug": slug,
        "status": status,
        "post_type": post_type,
        "date": date,
        "creator": creator,
        "content": content,
        "excerpt": excerpt,
        "categories": list(categories),
        "meta": dict(meta or {}),
        "comments": list(comments),
        "link": link if link is not None else f"{SITE}/2021/03/04/{slug}/",
        "parent": parent,
        "attachment_url": attachment_url,
    }


def attachment(post_id, url: str, *, title="A photo") -> dict:
    return post(
        title,
        post_id=post_id,
        post_type="attachment",
        status="inherit",
        categories=(),
        content="",
        link=f"{SITE}/?attachment_id={post_id}",
        attachment_url=url,
    )


def comment(
    comment_id,
    content="Nice piece.",
    *,
    parent=0,
    author="Reader",
    email="reader@example.net",
    url="",
    ip="192.0.2.10",
    approved="1",
    type="comment",
    date="2021-03-05 10:00:00",
) -> dict:
    return {
        "id": comment_id,
        "content": content,
        "parent": parent,
        "author": author,
        "email": email,
        "url": url,
        "ip": ip,
        "approved": approved,
        "type": type,
        "date": date,
    }


def _author_xml(a: dict) -> str:
    return (
        "<wp:author>"
        + _tag("wp:author_id", a["id"])
        + _tag("wp:author_login", cdata(a["login"]), raw=True)
        + _tag("wp:author_email", cdata(a["email"]), raw=True)
        + _tag("wp:author_display_name", cdata(a["display_name"]), raw=True)
        + _tag("wp:author_first_name", cdata(a["first"]), raw=True)
        + _tag("wp:author_last_name", cdata(a["last"]), raw=True)
        + "</wp:author>"
    )


def _category_xml(c: dict) -> str:
    return (
        "<wp:category>"
        + _tag("wp:term_id", c.get("id", next(_ids)))
        + _tag("wp:category_nicename", cdata(c["nicename"]), raw=True)
        + _tag("wp:category_parent", cdata(c.get("parent", "")), raw=True)
        + _tag("wp:cat_name", cdata(c["name"]), raw=True)
        + _tag("wp:category_description", cdata(c.get("description", "")), raw=True)
        + "</wp:category>"
    )


def _tag_xml(t: dict) -> str:
    return (
        "<wp:tag>"
        + _tag("wp:term_id", t.get("id", next(_ids)))
        + _tag("wp:tag_slug", cdata(t["slug"]), raw=True)
        + _tag("wp:tag_name", cdata(t["name"]), raw=True)
        + "</wp:tag>"
    )


def _comment_xml(c: dict) -> str:
    return (
        "<wp:comment>"
        + _tag("wp:comment_id", c["id"])
        + _tag("wp:comment_author", cdata(c["author"]), raw=True)
        + _tag("wp:comment_author_email", cdata(c["email"]), raw=True)
        + _tag("wp:comment_author_url", escape(c["url"]), raw=True)
        + _tag("wp:comment_author_IP", cdata(c["ip"]), raw=True)
        + _tag("wp:comment_date", cdata(c["date"]), raw=True)
        + _tag("wp:comment_date_gmt", cdata(c["date"]), raw=True)
        + _tag("wp:comment_content", cdata(c["content"]), raw=True)
        + _tag("wp:comment_approved", cdata(c["approved"]), raw=True)
        + _tag("wp:comment_type", cdata(c["type"]), raw=True)
        + _tag("wp:comment_parent", c["parent"])
        + _tag("wp:comment_user_id", 0)
        + "</wp:comment>"
    )


def _item_xml(p: dict) -> str:
    parts = [
        "<item>",
        _tag("title", cdata(p["title"]), raw=True),
        _tag("link", escape(p["link"]), raw=True),
        _tag("pubDate", "Thu, 04 Mar 2021 05:06:07 +0000"),
        _tag("dc:creator", cdata(p["creator"]), raw=True),
        f'<guid isPermaLink="false">{escape(SITE)}/?p={p["post_id"]}</guid>',
        "<description></description>",
        _tag("content:encoded", cdata(p["content"]), raw=True),
        _tag("excerpt:encoded", cdata(p["excerpt"]), raw=True),
        _tag("wp:post_id", p["post_id"]),
        _tag("wp:post_date", cdata(p["date"]), raw=True),
        _tag("wp:post_date_gmt", cdata(p["date"]), raw=True),
        _tag("wp:comment_status", cdata("open"), raw=True),
        _tag("wp:post_name", cdata(p["slug"]), raw=True),
        _tag("wp:status", cdata(p["status"]), raw=True),
        _tag("wp:post_parent", p["parent"]),
        _tag("wp:post_type", cdata(p["post_type"]), raw=True),
    ]
    if p["attachment_url"]:
        parts.append(_tag("wp:attachment_url", cdata(p["attachment_url"]), raw=True))
    for domain, nicename, name in p["categories"]:
        parts.append(f"<category domain={quoteattr(domain)} nicename={quoteattr(nicename)}>")
        parts.append(cdata(name) + "</category>")
    for key, value in p["meta"].items():
        parts.append(
            "<wp:postmeta>"
            + _tag("wp:meta_key", cdata(key), raw=True)
            + _tag("wp:meta_value", cdata(value), raw=True)
            + "</wp:postmeta>"
        )
    parts += [_comment_xml(c) for c in p["comments"]]
    parts.append("</item>")
    return "".join(parts)


def build_wxr(
    *,
    title="Old Blog",
    site=SITE,
    authors=(),
    categories=(),
    tags=(),
    items=(),
    version="1.2",
    prolog="",
) -> str:
    body = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        prolog,
        '<rss version="2.0"',
        f' xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"',
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"',
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"',
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
        f' xmlns:wp="http://wordpress.org/export/{version}/">',
        "<channel>",
        _tag("title", escape(title), raw=True),
        _tag("link", escape(site), raw=True),
        "<description>Just another WordPress site</description>",
        _tag("wp:wxr_version", version),
        _tag("wp:base_site_url", escape(site), raw=True),
        _tag("wp:base_blog_url", escape(site), raw=True),
    ]
    body += [_author_xml(a) for a in authors]
    body += [_category_xml(c) for c in categories]
    body += [_tag_xml(t) for t in tags]
    body += [_item_xml(p) for p in items]
    body += ["</channel>", "</rss>"]
    return "\n".join(body)
