"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for the CLI."""

import gc
import sys

from ssgp_dhr import ConfigurationError, create_app

# Exit status 4 is gunicorn's "the application could not be loaded": it stops instead of starting
# worker after worker. The flask command exits with it too.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except ConfigurationError as problem:
    # One line naming the setting, not a traceback: the person starting the service fixes their configuration.
    print(f"Error: {problem}", file=sys.stderr)
    raise SystemExit(APP_LOAD_ERROR) from None

# The modules and the app live as long as the worker: moving them out of the collector's view makes
# each full collection scan only what requests allocate (measured on the national-scale data set,
# a collection took about 70 ms with them and was most of the slowest 5 % of requests).
gc.freeze()
