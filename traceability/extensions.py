"""Flask extensions, created unbound and initialised in create_app() (Flask-Babel is made per app, in
traceability/i18n.py, as it keeps its date formats on its object)."""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from traceability.apidoc import Api

api = Api()
cache = Cache()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
