# sencotrack: `make run` serves the demo school, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('requirements.txt','rb').read()).hexdigest()[:12])")

# Development defaults; production sets these itself (see README.md). `make run PORT=8001` serves elsewhere.
export DEBUG ?= true
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: install run test worker beat bench clean

$(INSTALLED): requirements.txt
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 'sencotrack needs Python 3.11 or newer')"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(INSTALLED)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty --no-logins
	$(PY) manage.py setup_schedules
	@$(PY) manage.py demo_logins
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A sencotrack worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A sencotrack beat --loglevel=info

# Benchmarks on a synthetic trust in a throwaway PostgreSQL database (bench/README.md):
# SCALE=small|medium|large; BENCH_ARGS for options, e.g. BENCH_ARGS="--no-pdf --keep-db".
SCALE ?= small
BENCH_ARGS ?=
bench: install
	$(PY) -m bench.run --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles test-artifacts
