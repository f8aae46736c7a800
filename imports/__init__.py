"""Import and export in the browser: upload a CSV file, preview it, confirm it; download exports.

Built on the import engine in ``imports.engine`` (the same one ``manage.py import_data`` runs);
this app holds no models. An upload waits between preview and confirm as a file under
``MEDIA_ROOT/imports/`` named by a random token kept in the person's session (``imports.pending``).
"""
