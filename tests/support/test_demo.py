import pytest

from masthead.support import demo, services
from masthead.support.models import Donation, SupportSettings
from tests.newsroom.factories import default_site

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_shows_progress(support_settings):
    assert demo.load_demo() == 12
    assert demo.load_demo() == 0
    assert Donation.objects.count() == 12
    rules = SupportSettings.for_site(default_site())
    progress = services.campaign_progress(rules)
    assert progress.raised == sum(amount for amount, _, _ in demo.SUPPORTERS)
    assert 0 < progress.percent < 100
    assert len(services.supporters()) >= 6
