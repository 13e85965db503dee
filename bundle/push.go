package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/signature"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
)

// PushOptions control signing and progress reporting of a push.
type PushOptions struct {
	// Signer signs the pushed digest when set.
	Signer signature.SignerVerifier
	// Format selects the signature format(s); the default is legacy.
	Format SignatureFormat
	// Progress receives one line per step, for a terminal display.
	Progress func(string)
	// Force moves tags that already point at other content. Without it such
	// a push is refused (a TagMovedError), except for FloatingTag.
	Force bool
}

// FloatingTag is the one tag a push moves without Force: it exists to
// follow the last push, where every other tag names a release.
const FloatingTag = "latest"

// MovedTag is a tag that pointed at other content before a push.
type MovedTag struct {
	Tag         string `json:"tag"`
	From        string `json:"from"`                  // the digest it pointed at
	FromVersion string `json:"fromVersion,omitempty"` // that artifact's version annotation
}

// TagMovedError refuses a push that would move released tags to different
// content: clusters and verifications pinned to the tag would silently get
// something else.
type TagMovedError struct {
	Destination string
	Digest      string
	Tags        []MovedTag
}

func (e *TagMovedError) Error() string {
	var parts []string
	for _, m := range e.Tags {
		p := fmt.Sprintf("%s:%s already points at %s", e.Destination, m.Tag, m.From)
		if m.FromVersion != "" {
			p += " (version " + m.FromVersion + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("refusing to move a released tag to %s: %s; bump spec.version and push a new tag, or pass --force to move it", e.Digest, strings.Join(parts, "; "))
}

// PushResult describes what a push left at the destination.
type PushResult struct {
	Destination string         `json:"destination"`
	Reference   string         `json:"reference"` // pinned by digest
	Digest      string         `json:"digest"`
	Tags        []string       `json:"tags"`
	Signatures  []SignatureRef `json:"signatures,omitempty"`
	// Uploaded counts blobs and manifests written; 0 when the destination
	// already had everything.
	Uploaded      int   `json:"uploaded"`
	UploadedBytes int64 `json:"uploadedBytes"`
	// Moved lists tags that pointed at other content before this push.
	Moved []MovedTag `json:"moved,omitempty"`
	// Warnings are problems that did not stop the push.
	Warnings []string `json:"warnings,omitempty"`
}

// SignatureRef locates a signature of an artifact.
type SignatureRef struct {
	Format    SignatureFormat `json:"format"`
	Reference string          `json:"reference"`
	// Existing is true when a valid signature by the same key was already
	// there and nothing was written.
	Existing bool `json:"existing"`
}

// Push publishes the artifact to loc under each of its tags and, with a
// signer, signs its digest. Blobs go first, then the manifest by digest, then
// the signatures, and tags last, so an interrupted push never leaves a tag
// pointing at incomplete or unsigned content; content the destination already
// has is not uploaded again, so pushing an unchanged bundle costs a few
// requests. Transient failures are retried.
func (r *Remote) Push(ctx context.Context, art *Artifact, loc *Location, opts PushOptions) (*PushResult, error) {
	if loc.Digest != "" {
		return nil, &InvalidError{Reason: fmt.Sprintf("push destination %s names a digest; give tags instead", loc)}
	}
	t, err := r.openTarget(ctx, loc)
	if err != nil {
		return nil, registryError(loc, "push", err)
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	desc := art.Descriptor()
	res := &PushResult{
		Destination: loc.Name(),
		Reference:   loc.At(desc.Digest),
		Digest:      desc.Digest.String(),
		Tags:        append([]string{}, loc.Tags...),
	}
	current, moved, err := r.tagStates(ctx, t, loc.Tags, desc)
	if err != nil {
		return nil, registryError(loc, "push", err)
	}
	if err := checkMoves(loc, desc, art.Index.Version, moved, opts.Force, res); err != nil {
		return nil, err
	}
	var st pushStats
	blobs := []blob{art.Config, art.Layer}
	if opts.Signer == nil {
		if current {
			return res, nil // every tag already names this content
		}
		err = r.withRetry(ctx, func() error {
			return publish(ctx, t, blobs, art.Manifest, loc.Tags, &st, progress)
		})
		if err != nil {
			return nil, registryError(loc, "push", err)
		}
		res.Uploaded, res.UploadedBytes = st.uploaded, st.bytes
		return res, nil
	}
	// Signed: the content by digest, then the signatures, then the tags. A
	// push stopped before the last step leaves the tags where they were.
	if !current {
		err = r.withRetry(ctx, func() error {
			return publish(ctx, t, blobs, art.Manifest, nil, &st, progress)
		})
		if err != nil {
			return nil, registryError(loc, "push", err)
		}
	}
	refs, err := r.sign(ctx, t, loc, desc, art.manifestCreated(), opts.Signer, opts.Format, &st, progress)
	if err != nil {
		return nil, err
	}
	res.Signatures = refs
	if !current {
		err = r.withRetry(ctx, func() error {
			return publish(ctx, t, nil, art.Manifest, loc.Tags, &st, progress)
		})
		if err != nil {
			return nil, registryError(loc, "push", err)
		}
	}
	res.Uploaded, res.UploadedBytes = st.uploaded, st.bytes
	return res, nil
}

// tagStates reports whether every tag already points at desc (an unchanged
// push) and which tags point at other content, with that content's version,
// retrying transient failures.
func (r *Remote) tagStates(ctx context.Context, t oras.ReadOnlyTarget, tags []string, desc ocispec.Descriptor) (bool, []MovedTag, error) {
	if len(tags) == 0 {
		return false, nil, nil
	}
	all := true
	var moved []MovedTag
	err := r.withRetry(ctx, func() error {
		all, moved = true, nil
		b := r.newBudget()
		for _, tag := range tags {
			cur, err := t.Resolve(ctx, tag)
			switch {
			case errors.Is(err, errdef.ErrNotFound):
				all = false
			case err != nil:
				return err
			case cur.Digest != desc.Digest:
				all = false
				m := MovedTag{Tag: tag, From: cur.Digest.String()}
				if cur.MediaType == ocispec.MediaTypeImageManifest || cur.MediaType == "" {
					raw, err := b.fetch(ctx, t, cur, "manifest", maxMetadataBytes)
					if err != nil {
						return err
					}
					var man struct {
						Annotations map[string]string `json:"annotations"`
					}
					// Another tool's content may be anything; its version is
					// only shown, so an unreadable one is left out.
					if json.Unmarshal(raw, &man) == nil {
						m.FromVersion = man.Annotations[ocispec.AnnotationVersion]
					}
				}
				moved = append(moved, m)
			}
		}
		return nil
	})
	return all, moved, err
}

// checkMoves refuses to move released tags without force, and warns when the
// content under a tag changed while the bundle's version stayed the same.
func checkMoves(loc *Location, desc ocispec.Descriptor, version string, moved []MovedTag, force bool, res *PushResult) error {
	var refused []MovedTag
	for _, m := range moved {
		if !force && m.Tag != FloatingTag {
			refused = append(refused, m)
		}
	}
	if len(refused) > 0 {
		return &TagMovedError{Destination: loc.Name(), Digest: desc.Digest.String(), Tags: refused}
	}
	res.Moved = moved
	for _, m := range moved {
		if version != "" && m.FromVersion == version {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%s held version %s with other content (%s): the bundle changed but spec.version did not; bump it so the releases can be told apart", loc.Name(), m.Tag, version, m.From))
		}
	}
	return nil
}

// SignResult describes the signatures a sign operation left.
type SignResult struct {
	Reference  string         `json:"reference"`
	Digest     string         `json:"digest"`
	Signatures []SignatureRef `json:"signatures"`
}

// Sign signs an artifact already at loc (by tag or digest).
func (r *Remote) Sign(ctx context.Context, loc *Location, s signature.SignerVerifier, format SignatureFormat, progress func(string)) (*SignResult, error) {
	if progress == nil {
		progress = func(string) {}
	}
	t, err := r.openTarget(ctx, loc)
	if err != nil {
		return nil, registryError(loc, "sign", err)
	}
	b := r.newBudget()
	desc, err := resolveLocation(ctx, t, loc, b)
	if err != nil {
		return nil, registryError(loc, "resolve", err)
	}
	raw, err := b.fetch(ctx, t, desc, "manifest", maxMetadataBytes)
	if err != nil {
		return nil, registryError(loc, "fetch manifest", err)
	}
	m, _, err := parseArtifactManifest(raw)
	if err != nil {
		return nil, err
	}
	created := epoch
	if c, err := time.Parse(time.RFC3339, m.Annotations[ocispec.AnnotationCreated]); err == nil {
		created = c
	}
	var st pushStats
	refs, err := r.sign(ctx, t, loc, desc, created, s, format, &st, progress)
	if err != nil {
		return nil, err
	}
	return &SignResult{Reference: loc.At(desc.Digest), Digest: desc.Digest.String(), Signatures: refs}, nil
}

func (a *Artifact) manifestCreated() time.Time {
	var m ocispec.Manifest
	if json.Unmarshal(a.Manifest.data, &m) == nil {
		if c, err := time.Parse(time.RFC3339, m.Annotations[ocispec.AnnotationCreated]); err == nil {
			return c
		}
	}
	return epoch
}

// sign writes the requested signature formats for desc unless a valid
// signature by the same key is already there (ECDSA signatures differ each
// time, so re-signing would make every push upload new content).
func (r *Remote) sign(ctx context.Context, t oras.Target, loc *Location, desc ocispec.Descriptor, created time.Time,
	s signature.SignerVerifier, format SignatureFormat, st *pushStats, progress func(string)) ([]SignatureRef, error) {
	var refs []SignatureRef
	if format.legacy() {
		var ref SignatureRef
		err := r.withRetry(ctx, func() error {
			var err error
			ref, err = signLegacy(ctx, t, loc, desc, s, st, progress, r.newBudget())
			return err
		})
		if err != nil {
			return nil, registryError(loc, "push signature", err)
		}
		refs = append(refs, ref)
	}
	if format.bundle() {
		var ref SignatureRef
		err := r.withRetry(ctx, func() error {
			var err error
			ref, err = signBundle(ctx, t, loc, desc, created, s, st, progress, r.newBudget())
			return err
		})
		if err != nil {
			return nil, registryError(loc, "push signature", err)
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func signLegacy(ctx context.Context, t oras.Target, loc *Location, desc ocispec.Descriptor, s signature.SignerVerifier,
	st *pushStats, progress func(string), b *budget) (SignatureRef, error) {
	tag := LegacySignatureTag(desc.Digest)
	ref := SignatureRef{Format: FormatLegacy, Reference: loc.Name() + ":" + tag}
	existing, err := fetchLegacySignatures(ctx, t, tag, b)
	if err != nil {
		return ref, err
	}
	var layers []ocispec.Descriptor
	var blobs []blob
	for _, l := range existing {
		if verifyLegacyLayer(s, l.desc, l.data, desc.Digest) == nil {
			ref.Existing = true
			return ref, nil
		}
		layers = append(layers, l.desc)
		blobs = append(blobs, l)
	}
	progress("signing " + desc.Digest.String() + " (cosign legacy signature)")
	layer, err := legacySignatureLayer(s, loc.Name(), desc.Digest)
	if err != nil {
		return ref, err
	}
	layers = append(layers, layer.desc)
	blobs = append(blobs, layer)
	config, manifest, err := legacySignatureManifest(layers)
	if err != nil {
		return ref, err
	}
	return ref, publish(ctx, t, append([]blob{config}, blobs...), manifest, []string{tag}, st, progress)
}

// fetchLegacySignatures returns the simple-signing layers at tag, with their
// payloads; none when the tag does not exist.
func fetchLegacySignatures(ctx context.Context, t oras.ReadOnlyTarget, tag string, b *budget) ([]blob, error) {
	desc, err := t.Resolve(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw, err := b.fetch(ctx, t, desc, "signature manifest "+tag, maxMetadataBytes)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("signature manifest %s: %w", tag, err)
	}
	// Refuse before reading any layer: the count alone tells a hostile
	// manifest from one with a signature per release key.
	if err := b.signatures(len(m.Layers), "signature manifest "+tag); err != nil {
		return nil, err
	}
	var out []blob
	for _, l := range m.Layers {
		if l.MediaType != MediaTypeSimpleSigning {
			continue
		}
		payload, err := b.fetch(ctx, t, l, "signature layer", maxMetadataBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, blob{desc: l, data: payload})
	}
	return out, nil
}

func signBundle(ctx context.Context, t oras.Target, loc *Location, desc ocispec.Descriptor, created time.Time,
	s signature.SignerVerifier, st *pushStats, progress func(string), b *budget) (SignatureRef, error) {
	ref := SignatureRef{Format: FormatBundle}
	// Listing referrers first also tells the client whether the registry has
	// the referrers API, so the fallback tag is only written when needed.
	existing, err := fetchBundleSignatures(ctx, t, desc, b)
	if err != nil {
		return ref, err
	}
	for _, e := range existing {
		if verifySigstoreBundle(s, e.data, desc.Digest) == nil {
			ref.Reference = loc.At(e.manifest)
			ref.Existing = true
			return ref, nil
		}
	}
	progress("signing " + desc.Digest.String() + " (Sigstore bundle referrer)")
	bundleJSON, err := sigstoreBundleFor(s, desc.Digest)
	if err != nil {
		return ref, err
	}
	config, layer, manifest, err := sigstoreReferrer(bundleJSON, desc, created)
	if err != nil {
		return ref, err
	}
	ref.Reference = loc.At(manifest.desc.Digest)
	return ref, publish(ctx, t, []blob{config, layer}, manifest, nil, st, progress)
}

type bundleSignature struct {
	manifest digest.Digest
	data     []byte
}

// fetchBundleSignatures lists Sigstore bundle referrers of desc. The
// artifact type is checked on each referrer manifest rather than trusted
// from the listing, which some registries fill from the config media type.
func fetchBundleSignatures(ctx context.Context, t oras.ReadOnlyTarget, desc ocispec.Descriptor, b *budget) ([]bundleSignature, error) {
	var candidates []ocispec.Descriptor
	switch rt := t.(type) {
	case registry.ReferrerLister:
		err := rt.Referrers(ctx, desc, "", func(refs []ocispec.Descriptor) error {
			for _, r := range refs {
				// Only manifests can be signatures; referrers that declare
				// another artifact type (SBOMs, scans) are skipped without
				// being counted. Some registries report the config media
				// type as the artifact type, so that one is kept.
				if r.MediaType == ocispec.MediaTypeImageManifest &&
					(r.ArtifactType == "" || r.ArtifactType == MediaTypeSigstoreBundle || r.ArtifactType == ocispec.MediaTypeEmptyJSON) {
					candidates = append(candidates, r)
				}
			}
			return b.signatures(len(candidates), "the referrers of "+desc.Digest.String())
		})
		if err != nil && !errors.Is(err, errdef.ErrNotFound) {
			return nil, b.tooManyPages(err, "referrers")
		}
	case content.ReadOnlyGraphStorage:
		preds, err := rt.Predecessors(ctx, desc)
		if err != nil {
			return nil, err
		}
		candidates = preds
		if err := b.signatures(len(candidates), "the referrers of "+desc.Digest.String()); err != nil {
			return nil, err
		}
	}
	var out []bundleSignature
	for _, c := range candidates {
		if c.MediaType != ocispec.MediaTypeImageManifest {
			continue
		}
		raw, err := b.fetch(ctx, t, c, "referrer manifest", maxMetadataBytes)
		if err != nil {
			return nil, err
		}
		var m ocispec.Manifest
		if json.Unmarshal(raw, &m) != nil || m.ArtifactType != MediaTypeSigstoreBundle || m.Subject == nil || m.Subject.Digest != desc.Digest {
			continue
		}
		if err := b.signatures(len(m.Layers), "referrer manifest "+c.Digest.String()); err != nil {
			return nil, err
		}
		for _, l := range m.Layers {
			if l.MediaType != MediaTypeSigstoreBundle {
				continue
			}
			data, err := b.fetch(ctx, t, l, "Sigstore bundle", maxMetadataBytes)
			if err != nil {
				return nil, err
			}
			out = append(out, bundleSignature{manifest: c.Digest, data: data})
		}
	}
	return out, nil
}

type pushStats struct {
	uploaded int
	bytes    int64
}

// publish uploads what the target lacks and then points tags at manifest.
// With no tags the manifest is pushed by digest only.
func publish(ctx context.Context, t oras.Target, blobs []blob, manifest blob, tags []string, st *pushStats, progress func(string)) error {
	var pending []string
	for _, tag := range tags {
		cur, err := t.Resolve(ctx, tag)
		switch {
		case err == nil && cur.Digest == manifest.desc.Digest:
			continue
		case err != nil && !errors.Is(err, errdef.ErrNotFound):
			return err
		}
		pending = append(pending, tag)
	}
	if len(tags) > 0 && len(pending) == 0 {
		return nil
	}
	have, err := t.Exists(ctx, manifest.desc)
	if err != nil {
		return err
	}
	if !have {
		for _, b := range blobs {
			ok, err := t.Exists(ctx, b.desc)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
			progress(fmt.Sprintf("uploading %s %s (%s)", shortType(b.desc.MediaType), b.desc.Digest.Encoded()[:12], humanBytes(b.desc.Size)))
			if err := t.Push(ctx, b.desc, bytes.NewReader(b.data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
				return err
			}
			st.uploaded++
			st.bytes += b.desc.Size
		}
	}
	if rp, ok := t.(registry.ReferencePusher); ok && len(pending) > 0 {
		for _, tag := range pending {
			progress("tagging " + tag)
			if err := rp.PushReference(ctx, manifest.desc, bytes.NewReader(manifest.data), tag); err != nil {
				return err
			}
			st.uploaded++
			st.bytes += manifest.desc.Size
		}
		return nil
	}
	if !have {
		if err := t.Push(ctx, manifest.desc, bytes.NewReader(manifest.data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
			return err
		}
		st.uploaded++
		st.bytes += manifest.desc.Size
	}
	for _, tag := range pending {
		progress("tagging " + tag)
		if err := t.Tag(ctx, manifest.desc, tag); err != nil {
			return err
		}
	}
	return nil
}

func shortType(mt string) string {
	switch mt {
	case MediaTypeLayer:
		return "layer"
	case MediaTypeFluxConfig, ocispec.MediaTypeImageConfig, ocispec.MediaTypeEmptyJSON:
		return "config"
	case MediaTypeSimpleSigning, MediaTypeSigstoreBundle:
		return "signature"
	}
	return strings.TrimPrefix(mt, "application/")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// resolveLocation finds the manifest a location names. A location with both
// a tag and a digest must still have the tag on that digest.
func resolveLocation(ctx context.Context, t oras.ReadOnlyTarget, loc *Location, b *budget) (ocispec.Descriptor, error) {
	if len(loc.Tags) > 1 {
		return ocispec.Descriptor{}, &InvalidError{Reason: fmt.Sprintf("%s names several tags; give one", loc)}
	}
	if len(loc.Tags) == 1 {
		desc, err := t.Resolve(ctx, loc.Tags[0])
		if err != nil {
			return desc, err
		}
		if loc.Digest != "" && desc.Digest != loc.Digest {
			return desc, &VerifyError{Reason: fmt.Sprintf("tag moved: %s now points at %s, not the expected %s", loc.Tags[0], desc.Digest, loc.Digest)}
		}
		return desc, nil
	}
	if loc.Digest != "" {
		return t.Resolve(ctx, loc.Digest.String())
	}
	desc, err := t.Resolve(ctx, "latest")
	if !errors.Is(err, errdef.ErrNotFound) {
		return desc, err
	}
	// No "latest": a location holding a single bundle tag (edict tags with
	// the bundle version) is unambiguous.
	tags, lerr := bundleTags(ctx, t, b)
	if lerr != nil || len(tags) != 1 {
		if len(tags) > 1 {
			return desc, &InvalidError{Reason: fmt.Sprintf("%s has no tag latest and several tags (%s); name one", loc, strings.Join(tags, ", "))}
		}
		return desc, err
	}
	return t.Resolve(ctx, tags[0])
}

// bundleTags lists tags that are not cosign signature or referrers tags.
func bundleTags(ctx context.Context, t oras.ReadOnlyTarget, b *budget) ([]string, error) {
	tl, ok := t.(registry.TagLister)
	if !ok {
		return nil, nil
	}
	var tags []string
	err := tl.Tags(ctx, "", func(page []string) error {
		for _, tag := range page {
			if !strings.HasPrefix(tag, "sha256-") {
				tags = append(tags, tag)
			}
		}
		return nil
	})
	return tags, b.tooManyPages(err, "tags")
}
