"""The editor's desk: server-rendered pages under /desk/ for editors and translators.

The browser face of the same rules as the JSON API: every write goes through the same
domain functions (`editing.py`, `translating.py`) after the same validation
(`validation.py`, `workflow_input.py`) and role checks (`auth.permit`,
`auth.require_lang`). Modules, each owning one thing:

- `session`: the session cookie, its database row, the form token (CSRF);
- `ratelimit`: login attempts per client address;
- `drafts`: what a form held when its session had ended, for after the login;
- `forms`: reading posted forms, turning them into the domain's inputs;
- `messages`: the domain's field errors in the desk's language;
- `pages`: language, layout context, headers, the desk's error page;
- `login`, `board`, `articles`, `texts`, `history`: the handlers (routes in
  `web/routes.py`, addresses in `urls.py`).
"""

PATH = "/desk"  # every desk cookie's Path
CSRF_FIELD = "csrf"  # the form token's field in every desk form that changes something
