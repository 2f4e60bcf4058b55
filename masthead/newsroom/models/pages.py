from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, TitleFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index

from masthead.discussion.panels import ArticleCommentsPanel
from masthead.metrics.panels import ReadershipPanel

from ..blocks import ArticleBodyBlock
from ..privacy import CheapViewRestrictions
from .queries import ArticleQuerySet


class DirectChildRoute:
    """Route to a child in one query of its concrete model.

    Wagtail's Page.route fetches the child as a base Page, then again as its
    specific type; a publication's tree has one child type per level, so it
    can be read directly.
    """

    child_model_name: str

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        child = self.find_child(path_components[0])
        if child is None:
            return super().route(request, path_components)
        child._cached_parent_obj = self
        return child.route(request, path_components[1:])

    def find_child(self, slug: str):
        child_model = self._meta.apps.get_model("newsroom", self.child_model_name)
        children = child_model.objects.filter(
            path__startswith=self.path, depth=self.depth + 1, slug=slug
        )
        if child_model.route_select_related:
            children = children.select_related(*child_model.route_select_related)
        return children.first()


class HomePage(CheapViewRestrictions, DirectChildRoute, Page):
    """The front page: lead stories, the latest from each section."""

    intro = models.CharField(max_length=250, blank=True)
    child_model_name = "SectionPage"

    def find_child(self, slug: str):
        # Sections are few and change only by edits that bump the generation.
        from masthead.core.memo import per_generation

        return per_generation(
            ("newsroom:section", self.path, slug), lambda: super(HomePage, self).find_child(slug)
        )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["newsroom.SectionPage", "newsroom.StandardPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "Home page"

    def serve(self, request, *args, **kwargs):
        # WordPress's /?p=ID and /?page_id=ID links: an import stores Redirects for them,
        # but the redirect middleware only looks after a 404 and the home page answers 200.
        if "p" in request.GET or "page_id" in request.GET:
            from wagtail.contrib.redirects.middleware import get_redirect
            from wagtail.contrib.redirects.models import Redirect

            path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
            redirect = get_redirect(request, path)
            if redirect is not None and redirect.link:
                if redirect.is_permanent:
                    return HttpResponsePermanentRedirect(redirect.link)
                return HttpResponseRedirect(redirect.link)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from ..selectors import home_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_page_context(home=self))
        return context


class SectionPage(CheapViewRestrictions, DirectChildRoute, Page):
    """A section of the publication (News, Analysis, ...); its children are its articles."""

    child_model_name = "ArticlePage"
    route_select_related: tuple[str, ...] = ()

    description = models.CharField(max_length=300, blank=True)
    lists_all_articles = models.BooleanField(
        default=False,
        help_text="List every article of the publication here, whatever its section "
        "(for a 'Latest' section).",
    )
    menu_order = models.PositiveSmallIntegerField(default=0)

    content_panels = [
        *Page.content_panels,
        FieldPanel("description"),
        FieldPanel("lists_all_articles"),
        FieldPanel("menu_order"),
    ]
    subpage_types = ["newsroom.ArticlePage"]
    parent_page_types = ["newsroom.HomePage"]

    class Meta:
        verbose_name = "Section"

    def articles(self):
        qs = ArticlePage.objects.live().public()
        if self.lists_all_articles:
            return qs.descendant_of(self.get_parent()).newest_first()
        return qs.child_of(self).newest_first()

    def get_context(self, request, *args, **kwargs):
        from ..selectors import paginate

        context = super().get_context(request, *args, **kwargs)
        context["articles"] = paginate(
            self.articles().for_listing(), request.GET.get("page"), settings.MASTHEAD_PAGE_SIZE
        )
        return context


class StandardPage(CheapViewRestrictions, Page):
    """A page outside the news flow: About us, Contact, Ethics policy (and the pages an
    imported WordPress or Ghost site had)."""

    intro = models.TextField(blank=True, max_length=600)
    body = StreamField(ArticleBodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    subpage_types: list[str] = []
    parent_page_types = ["newsroom.HomePage"]

    class Meta:
        verbose_name = "Standard page"


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(CheapViewRestrictions, Page):
    """A story: the unit readers read, share and comment on."""

    standfirst = models.TextField(
        max_length=500, help_text="One or two sentences under the headline."
    )
    featured_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured_caption = models.CharField(max_length=300, blank=True)
    featured_credit = models.CharField(max_length=120, blank=True)
    body = StreamField(ArticleBodyBlock(), blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)

    source_name = models.CharField(
        "syndicated from", max_length=120, blank=True, help_text="e.g. Harbour Wire"
    )
    original_url = models.URLField(
        blank=True, help_text="The original article; it becomes the canonical link."
    )
    original_author = models.CharField(max_length=120, blank=True)
    comments_open = models.BooleanField(
        "allow comments",
        default=True,
        help_text="Off closes this article to new comments; published ones stay visible.",
    )

    route_select_related = ("featured_image",)

    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)

    objects = PageManager.from_queryset(ArticleQuerySet)()

    content_panels = [
        TitleFieldPanel("title", heading="Headline", placeholder="Headline"),
        FieldPanel("standfirst"),
        InlinePanel("article_authors", label="Authors", min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("featured_image"),
                FieldPanel("featured_caption"),
                FieldPanel("featured_credit"),
            ],
            "Featured image",
        ),
        FieldPanel("body"),
        FieldPanel("tags"),
        InlinePanel("corrections", label="Corrections and editor's notes"),
        MultiFieldPanel(
            [FieldPanel("source_name"), FieldPanel("original_author"), FieldPanel("original_url")],
            "Syndication",
        ),
        ReadershipPanel(heading="Readership"),
        ArticleCommentsPanel(heading="Comments"),
    ]
    settings_panels = [*Page.settings_panels, FieldPanel("comments_open")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.RelatedFields(
            "article_authors", [index.RelatedFields("author", [index.SearchField("name")])]
        ),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("first_published_at"),
    ]
    parent_page_types = ["newsroom.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "Article"

    def clean(self):
        super().clean()
        if self.original_url and not self.source_name:
            raise ValidationError({"source_name": "Name the source of a syndicated article."})
        if self.original_author and not self.source_name:
            raise ValidationError({"source_name": "Name the source of a syndicated article."})

    def save(self, *args, **kwargs):
        from ..services import count_words, reading_minutes

        self.word_count = count_words(article=self)
        self.reading_minutes = reading_minutes(self.word_count)
        super().save(*args, **kwargs)

    @cached_property
    def section(self):
        return self.get_parent().specific

    @cached_property
    def author_list(self) -> list:
        # Lists prefetch bylines for every article at once; a single article fetches its own
        # in one joined query.
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("article_authors")
        if prefetched is not None:
            links = prefetched
        else:
            links = self.article_authors.select_related("author__avatar").order_by(
                "sort_order", "pk"
            )
        return [link.author for link in links]

    @cached_property
    def tag_list(self) -> list:
        return list(self.tags.all())

    @property
    def published_at(self):
        return self.first_published_at or self.go_live_at or timezone.now()

    @property
    def updated_at(self):
        """When the article was last republished, if that was well after it first went out."""
        first, last = self.first_published_at, self.last_published_at
        if first and last and (last - first).total_seconds() > 600:
            return last
        return None

    @property
    def is_syndicated(self) -> bool:
        return bool(self.source_name)

    def get_canonical_url(self, request=None) -> str:
        return self.original_url or self.get_full_url(request)

    def next_article(self):
        """The next older live article of the same section, for continue-reading."""
        return (
            ArticlePage.objects.live()
            .public()
            .sibling_of(self, inclusive=False)
            .older_than(self)
            .newest_first()
            .first()
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["next_article"] = self.next_article()
        return context

    def serve(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "1":
            # Continue-reading asks for the article alone, to append below the last one.
            if getattr(request, "is_preview", False):
                raise Http404
            return TemplateResponse(
                request, "newsroom/article_fragment.html", self.get_context(request)
            )
        return super().serve(request, *args, **kwargs)


class ArticleAuthor(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="article_authors")
    author = models.ForeignKey("newsroom.Author", on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["page", "author"], name="unique_author_per_article")
        ]


class Correction(Orderable):
    """A dated correction or editor's note shown with the article."""

    KIND_CHOICES = [("correction", "Correction"), ("note", "Editor's note")]

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, default="correction")
    date = models.DateField(default=timezone.localdate)
    text = models.TextField()

    panels = [FieldPanel("kind"), FieldPanel("date"), FieldPanel("text")]
