"""The /api/v1/ mount point.  (Filled in by the API work.)"""

urlpatterns: list = []
