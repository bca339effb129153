# Everything a fresh Debian machine needs, installed idempotently.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSDEPS := fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core libharfbuzz-subset0 \
           libpango-1.0-0 libpangoft2-1.0-0 poppler-utils fontconfig openssl fonts-urw-base35 \
           postgresql libgl1 libglib2.0-0

.PHONY: demo test lint bench sysdeps clean corpus

sysdeps:
	@missing=""; for p in $(SYSDEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: sysdeps $(STAMP)
	@for case in examples/*/case.yaml; do \
	  echo "== $$case"; $(VENV)/bin/evidencekit build -q "$$case" || exit $$?; \
	done

corpus: $(STAMP)
	$(PY) tests/corpora.py

test: sysdeps $(STAMP) corpus
	$(VENV)/bin/ruff check evidencekit tests bench
	$(VENV)/bin/ruff format --check evidencekit tests bench
	$(VENV)/bin/mypy
	$(PY) tests/parallel.py

bench: sysdeps $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) examples/*/out build dist
