"""The help centre's pages, inside the portal's namespace (portal:help, portal:help_article, …)."""

from django.urls import path

from simrenew.web.support import help_views

urlpatterns = [
    path("help/", help_views.help_index, name="help"),
    path("help/search", help_views.help_search, name="help_search"),
    path("help/contact/", help_views.help_contact, name="help_contact"),
    path("help/contact/sent/", help_views.help_contact_sent, name="help_contact_sent"),
    path("help/<slug:slug>/", help_views.help_article, name="help_article"),
]
