from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from core import audit_views
from core import views as core_views
from privacy import views as privacy_views

# The admin has no login of its own: Django's form would accept a password alone and skip the
# second factor and the failed-attempt limits that allauth applies. Anonymous visitors are sent
# to allauth's login (password, then the TOTP code when the account has one).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", core_views.home, name="home"),
    # No CSRF token needed to change the interface language: a forged request could only switch
    # someone's language, and pages for visitors without a session then carry no per-visitor
    # token, so they can be served whole from a cache (the public verification, decision 55).
    path("i18n/setlang/", csrf_exempt(core_views.public(set_language)), name="set_language"),
    path("comptes/", include("allauth.urls")),
    path("profil/mes-donnees/", include("privacy.urls")),
    path("confidentialite/", privacy_views.policy, name="privacy_policy"),
    path("profil/", include("accounts.urls")),
    path("referentiels/", include("competences.urls")),
    path("formations/", include("trainings.urls")),
    path("", include("certificates.urls")),
    path("pilotage/", include("reporting.urls")),
    path("journal/", audit_views.audit_log, name="audit_log"),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
