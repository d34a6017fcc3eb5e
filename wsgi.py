"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for the CLI."""

import gc

from ssgp_dhr import create_app

app = create_app()

# The modules and the app live as long as the worker: moving them out of the collector's view makes
# each full collection scan only what requests allocate (measured on the national-scale data set,
# a collection took about 70 ms with them and was most of the slowest 5 % of requests).
gc.freeze()
