from django.contrib.auth import views as auth_views
from django.urls import path

from .views import auth as account_views

urlpatterns = [
    path("login/", account_views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.PortalPasswordChangeView.as_view(), name="password_change"),
    path("tokens/", account_views.token_list, name="api_tokens"),
    path("tokens/all/", account_views.token_all, name="api_tokens_all"),
    path("tokens/<int:pk>/revoke/", account_views.token_revoke, name="api_token_revoke"),
]
