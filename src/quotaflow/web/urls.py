"""URLs of the server-rendered pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from quotaflow.web.views import accounts, home, imports, org

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("tokens/", accounts.token_list, name="token-list"),
    path("org/", org.browser, name="org-browser"),
    path("imports/", imports.import_list, name="import-list"),
]
