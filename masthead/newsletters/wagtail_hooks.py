from wagtail import hooks
from wagtail.log_actions import LogFormatter

from . import import_jobs
from .admin_panels import NewslettersPanel, can_see_newsletters
from .viewsets import NewslettersMenu


@hooks.register("register_admin_viewset")
def register_newsletters_menu():
    return NewslettersMenu()


@hooks.register("register_log_actions")
def register_import_action(actions):
    @actions.register_action(import_jobs.ACTION)
    class ImportFormatter(LogFormatter):
        label = "Import subscribers"

        def format_message(self, log_entry):
            return import_jobs.log_message(log_entry)


@hooks.register("construct_homepage_panels")
def add_newsletters_panel(request, panels):
    if can_see_newsletters(request.user):
        panels.append(NewslettersPanel())
