"""Small page objects: one per page type a browser test visits."""

from dataclasses import dataclass

from playwright.sync_api import Page


@dataclass
class ReaderArticle:
    page: Page

    def stories(self):
        return self.page.locator("article.story")

    def story_count(self) -> int:
        return self.stories().count()

    def scroll_to_end(self) -> None:
        self.page.mouse.wheel(0, 4000)
        self.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    def scroll_until_stories(self, count: int) -> None:
        for _ in range(count * 6):
            if self.story_count() >= count:
                return
            self.scroll_to_end()
            self.page.wait_for_timeout(250)
        raise AssertionError(f"only {self.story_count()} stories after scrolling")

    def scroll_story_into_view(self, index: int) -> None:
        self.stories().nth(index).locator("h1, h2").first.scroll_into_view_if_needed()
        self.page.evaluate(
            "i => document.querySelectorAll('article.story')[i].scrollIntoView({block: 'start'})",
            index,
        )


@dataclass
class AdminEditor:
    page: Page
    base_url: str

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto(f"{self.base_url}/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base_url}/admin/")

    def add_article(self, section_id: int) -> None:
        self.page.goto(f"{self.base_url}/admin/pages/add/newsroom/articlepage/{section_id}/")

    def fill_article(self, *, headline: str, standfirst: str, author: str) -> None:
        self.page.fill("#id_title", headline)
        self.page.fill("#id_standfirst", standfirst)
        chooser = self.page.locator("[id^='id_article_authors-0-author']").first
        chooser.locator("xpath=..").get_by_role("button", name="Choose").first.click()
        self.page.get_by_role("link", name=author).first.click()
        self.page.get_by_text(author).first.wait_for()

    def publish(self) -> None:
        self.page.locator("footer .dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
        self.page.get_by_role("button", name="Publish").click()
        self.page.wait_for_url("**/admin/pages/**")
