from .urls_evaluation import urlpatterns as evaluation_patterns
from .urls_sessions import urlpatterns as session_patterns

app_name = "trainings"
urlpatterns = session_patterns + evaluation_patterns
