"""Import and export in the browser: upload a CSV file, preview it, confirm it; download exports.

Built on the import engine in ``imports.engine`` (the same one ``manage.py import_data`` runs);
its one model is the import job. An upload waits between preview and confirm as a file under
``MEDIA_ROOT/imports/`` named by a random token kept in the person's session (``imports.pending``);
the check and the import each run as a job off the request (``imports.jobs``).
"""
