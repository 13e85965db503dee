package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/edict-policy/edict/rendered"
)

var specsVersioned = specs.Versioned{SchemaVersion: 2}

// fluxConfig is the config blob `flux push artifact` writes (go-containerregistry's
// empty image config). Flux never reads it; using the same bytes keeps the
// artifact indistinguishable from one Flux pushed.
var fluxConfig = []byte(`{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}`)

// ArtifactOptions are the provenance annotations of an artifact.
type ArtifactOptions struct {
	Source   string    // org.opencontainers.image.source, e.g. the policy repository URL
	Revision string    // org.opencontainers.image.revision, e.g. main@sha1:<commit>
	Created  time.Time // org.opencontainers.image.created; see CreatedTime
}

// CreatedTime picks the artifact's creation time without looking at the
// clock, so that rebuilding the same source gives the same digest: the value
// of SOURCE_DATE_EPOCH when set, else fallback (for example the source
// commit time), else the Unix epoch.
func CreatedTime(sourceDateEpoch string, fallback time.Time) (time.Time, error) {
	if sourceDateEpoch != "" {
		secs, err := strconv.ParseInt(sourceDateEpoch, 10, 64)
		if err != nil || secs < 0 {
			return time.Time{}, &InvalidError{Reason: fmt.Sprintf("SOURCE_DATE_EPOCH=%q is not a number of seconds", sourceDateEpoch)}
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	if !fallback.IsZero() {
		return fallback.UTC(), nil
	}
	return epoch, nil
}

// CreatedFromEnv is CreatedTime with SOURCE_DATE_EPOCH from the environment.
func CreatedFromEnv(fallback time.Time) (time.Time, error) {
	return CreatedTime(os.Getenv("SOURCE_DATE_EPOCH"), fallback)
}

// Artifact is a bundle packed as an OCI image manifest: Flux's config media
// type and exactly one tar+gzip layer, which both Flux and Argo CD accept.
type Artifact struct {
	Index    *rendered.Index
	Config   blob
	Layer    blob
	Manifest blob
}

// Descriptor is the manifest descriptor; its digest identifies the artifact.
func (a *Artifact) Descriptor() ocispec.Descriptor { return a.Manifest.desc }

// NewArtifact packs the bundle folder fsys. It refuses a bundle whose files
// do not match its bundle.json, so a tampered folder is never published.
func NewArtifact(fsys fs.FS, opts ArtifactOptions) (*Artifact, error) {
	files, err := readBundleFiles(fsys, DefaultLimits)
	if err != nil {
		return nil, err
	}
	return newArtifactFromFiles(files, opts)
}

func newArtifactFromFiles(files map[string][]byte, opts ArtifactOptions) (*Artifact, error) {
	raw, ok := files[IndexFile]
	if !ok {
		return nil, &InvalidError{Reason: "not a bundle folder: " + IndexFile + " is missing (run edict build first)"}
	}
	idx, err := rendered.ParseIndex(raw)
	if err != nil {
		return nil, err
	}
	if err := verifyFileMap(files, idx); err != nil {
		return nil, err
	}
	var layer bytes.Buffer
	if err := ArchiveFiles(&layer, files); err != nil {
		return nil, err
	}
	a := &Artifact{
		Index:  idx,
		Config: newBlob(MediaTypeFluxConfig, fluxConfig),
		Layer:  newBlob(MediaTypeLayer, layer.Bytes()),
	}
	created := opts.Created
	if created.IsZero() {
		created = epoch
	}
	ann := map[string]string{
		ocispec.AnnotationCreated: created.UTC().Format(time.RFC3339),
		ocispec.AnnotationTitle:   idx.Name,
	}
	for k, v := range map[string]string{
		ocispec.AnnotationSource:      opts.Source,
		ocispec.AnnotationRevision:    opts.Revision,
		ocispec.AnnotationVersion:     idx.Version,
		ocispec.AnnotationDescription: idx.Description,
	} {
		if v != "" {
			ann[k] = v
		}
	}
	m := ocispec.Manifest{
		Versioned:   specsVersioned,
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      a.Config.desc,
		Layers:      []ocispec.Descriptor{a.Layer.desc},
		Annotations: ann,
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	a.Manifest = newBlob(ocispec.MediaTypeImageManifest, mb)
	return a, nil
}

// parseArtifactManifest checks that a fetched manifest has the shape edict
// publishes and returns its single layer.
func parseArtifactManifest(raw []byte) (ocispec.Manifest, ocispec.Descriptor, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, ocispec.Descriptor{}, &VerifyError{Reason: fmt.Sprintf("manifest is not JSON: %v", err)}
	}
	if m.MediaType != "" && m.MediaType != ocispec.MediaTypeImageManifest {
		return m, ocispec.Descriptor{}, &VerifyError{Reason: fmt.Sprintf("manifest media type %s is not an OCI image manifest", m.MediaType)}
	}
	// Exactly edict's shape: anything else (an extra layer a client would
	// never check, another config) is not what edict signed and published.
	if m.Config.MediaType != MediaTypeFluxConfig {
		return m, ocispec.Descriptor{}, &VerifyError{Reason: fmt.Sprintf("config media type %s, expected %s: not an edict bundle", m.Config.MediaType, MediaTypeFluxConfig)}
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != MediaTypeLayer {
		types := make([]string, len(m.Layers))
		for i, l := range m.Layers {
			types[i] = l.MediaType
		}
		return m, ocispec.Descriptor{}, &VerifyError{Reason: fmt.Sprintf("expected exactly one layer of type %s, found %d (%s): not an edict bundle", MediaTypeLayer, len(m.Layers), strings.Join(types, ", "))}
	}
	layers := m.Layers
	return m, layers[0], nil
}
