// ReelWorld: the captioned shapes world (reel-world(7)), the default model's
// training domain. One module: vocabulary, scene sampling, captions, rendering.
//
// Vocabulary (Vocabulary.swift) — enums whose raw values are reel-world(7)'s words:
//   Background (black white gray navy sand sky sunset night checker stripes; .kind gives colours),
//   Shape (ball square triangle star; .synonyms), ObjectColor (.rgb), ObjectSize (.fraction),
//   Motion ("still", "moves left", ..., "bounces", "circles", "grows", "shrinks", "spins"; .phrases),
//   Speed (slowly 0.25, quickly 0.6), Camera ("static", "pans left", "pans right"),
//   RGB (.distance(to:)), Background.allows(color) (the >= 80 colour rule).
//   Term (one attribute value) and Vocabulary.table / .term(for:) / .terms(in:) —
//   synonym lookup ("crimson sphere" -> [.color(.red), .shape(.ball)]), longest phrase first.
// Randomness (Random.swift) — SplitMix64(seed:), SplitMix64.clipSeed(seed, index:).
//   Everything takes `inout some RandomNumberGenerator` and uses only next().
// Scene (Scene.swift) — the Codable ground truth written as JSON:
//   Scene { width, height, frames, fps = 8, background, camera, seed, starSeed,
//           cameraShift[frame], objects: [SceneObject] (back to front) }
//   SceneObject { shape, color, rgb, size, motion, speed (nil iff still), width (px),
//                 anchor, center[frame] (frame px, camera included), scale[frame], rotation[frame] }
//   WorldError — every failure, with a message for `reel-<tool>: <message>`.
// Sampling (SceneSampler.swift) — the training distribution, conditioned on pinned attributes:
//   SceneSampler.sample(width:height:frames:constraints:rng:) throws(WorldError) -> Scene
//   SceneSampler.sample(seed:width:height:frames:constraints:) (records the seed)
//   SceneConstraints { background?, camera?, objectCount?, objects: [ObjectConstraints] }
//   ObjectConstraints { shape?, color?, size?, motion?, speed? }
// Captions (Captions.swift) — the one caption writer, for training and for prompt expansion:
//   Captions.shortPrompt(scene, rng: &rng)  "red ball bouncing", "a blue square moving left on a white background"
//   Captions.detailed(scene)  "A small red ball bounces up and down quickly near the center of the frame.
//                              The background is a plain white wall. The camera is static."
//   Vocabulary.terms(in: Captions.detailed(scene)) is exactly the scene's attributes.
// Rendering (SceneRenderer.swift) — SceneRenderer(scene) throws(WorldError);
//   .renderFrame(i) / .renderFrame(i, into: &buf) -> (H,W,3) RGB u8; .render() -> (T,H,W,3);
//   .drawnShape(object:frame:).coverage(x:y:) is the drawn area per pixel.
//   Background.promptPhrase ("at night") and .captionPhrase ("a starry night") are the texts' background words.
// Clips (Dataset.swift) — SynthClip(datasetSeed:index:width:height:frames:constraints:) is clip i of a
//   dataset: its seed (SplitMix64.clipSeed), scene, short prompt and detailed caption;
//   .write(to: StreamWriter, clip:firstSegment:) emits HEAD, text (prompt, caption), meta "scene", FRAM (3,H,W).
//   reel-synth(1) documents the dataset directory layout.
