"""Row 7: comments posted through the reply form, with the rate limits off.

Each request is what discussion.js sends when a reader presses "Post": the
form fields, the signed form token fetched once from the token endpoint, and
`Accept: application/json`.  Every request is a new comment with its own
author, so nothing is deduplicated; the site is set to publish at once, so
each post also empties the page cache and queues the notification task — the
most a comment can cost.
"""

import http.client
import json
import os

from bench.load import THREAD_IDS
from bench.server import ROOT, shell

PREPARE = """
from masthead.discussion.models import Comment, DiscussionSettings
from wagtail.models import Site
rules = DiscussionSettings.for_site(Site.objects.get(is_default_site=True))
rules.comments_enabled = True
rules.moderation_mode = "approve_all"
rules.min_submit_seconds = 0
rules.rate_limit_per_ip = ""
rules.rate_limit_per_email = ""
rules.close_after_days = 0
rules.save()
print(Comment.objects.count())
"""

COUNT = "from masthead.discussion.models import Comment\nprint(Comment.objects.count())"

COMMENT_LUA = (
    """
local token = "{token}"
local run = "{run}"
"""
    + THREAD_IDS
    + """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = "http://127.0.0.1:{port}"
function request()
  n = n + 1
  local who = run .. "-" .. tid .. "-" .. n
  local body = "name=Bench+reader+" .. who .. "&email=bench." .. who .. "%40example.com"
    .. "&body=Comment+number+" .. who .. "+on+this+story.&form_token=" .. token
  return wrk.format(nil, nil, nil, body)
end
"""
)


class CommentPosting:
    def __init__(self, data_dir, port: int, article_id: int):
        self.data_dir, self.port, self.article_id = data_dir, port, article_id
        self.path = f"/discussion/articles/{article_id}/comments/"
        self.tag = os.urandom(4).hex()
        self.before = int(shell(data_dir, PREPARE).strip().splitlines()[-1])
        self.description = (
            f"POST the reply form to `{self.path}` as discussion.js does (form fields, "
            "a signed form token, `Accept: application/json`), a new author and body on "
            "every request; rate limits and the minimum writing time off, moderation "
            "'publish at once', so each comment is stored, empties the page cache and "
            "queues its notification task."
        )

    def token(self) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", f"/discussion/articles/{self.article_id}/token/")
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"form token: {response.status} {data[:200]!r}")
        return json.loads(data)["token"]

    def script(self, warmup=None) -> str:
        from urllib.parse import quote

        # A new tag for each wrk run: the timed run must not repeat the warm-up's
        # comments, which the duplicate check would refuse.
        run = f"{self.tag}{os.urandom(2).hex()}"
        return COMMENT_LUA.format(token=quote(self.token(), safe=""), run=run, port=self.port)

    def verify(self, answered: int) -> str:
        stored = int(shell(self.data_dir, COUNT).strip().splitlines()[-1]) - self.before
        return (
            f"{stored:,} comments stored for {answered:,} posts answered to wrk, warm-up included."
        )


def comment_posting(data_dir, port: int, article_id: int) -> "CommentPosting | None":
    if not (ROOT / "masthead" / "discussion" / "urls.py").exists():
        return None
    return CommentPosting(data_dir, port, article_id)
