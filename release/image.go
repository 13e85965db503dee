package release

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/edict-policy/edict/atomicwrite"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
)

// The image is one layer on an empty base: the static binary, a writable
// /tmp, a home and a working folder for the non-root user. There is no shell
// and no CA file: the binary carries Mozilla's roots as a fallback for
// systems without any, so registry TLS works from scratch.
const (
	// BinaryPath is the entrypoint inside the image.
	BinaryPath = "/usr/local/bin/edict"
	// WorkDir is where CI mounts the policy repository.
	WorkDir = "/work"
	// UID of the non-root user the image runs as (the distroless "nonroot").
	UID  = 65532
	home = "/home/nonroot"
)

// ImageOptions are the image's metadata.
type ImageOptions struct {
	Version string // the edict version; the layout's ref name
	Commit  string
	Source  string    // repository URL, org.opencontainers.image.source
	Created time.Time // from SOURCE_DATE_EPOCH or the commit, never the clock
}

func (o ImageOptions) labels() map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "edict",
		"org.opencontainers.image.description": "Build, test, sign and publish Kubernetes admission policy for OPA Gatekeeper",
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.created":     o.Created.UTC().Format(time.RFC3339),
	}
	if o.Commit != "" {
		l["org.opencontainers.image.revision"] = o.Commit
	}
	if o.Source != "" {
		l["org.opencontainers.image.source"] = o.Source
	}
	return l
}

type tarEntry struct {
	name string
	mode int64
	uid  int
	data []byte // nil for a folder
}

// layerTar is the image's single layer as a reproducible tar.gz: sorted
// entries, fixed owners and modes, every time at created.
func layerTar(bin []byte, created time.Time) ([]byte, error) {
	entries := []tarEntry{
		{name: "home/", mode: 0o755},
		{name: "home/nonroot/", mode: 0o700, uid: UID},
		{name: "tmp/", mode: 0o1777},
		{name: "usr/", mode: 0o755},
		{name: "usr/local/", mode: 0o755},
		{name: "usr/local/bin/", mode: 0o755},
		{name: "usr/local/bin/edict", mode: 0o755, data: bin},
		{name: "work/", mode: 0o755, uid: UID},
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: created, Format: tar.FormatPAX}
		if e.data == nil {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	// klauspost's gzip, not the standard library's, whose output may change
	// between Go releases and with it the layer digest.
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(tarBuf.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return gz.Bytes(), nil
}

// Image builds the image for one platform around a binary built for it.
func Image(bin []byte, p Platform, o ImageOptions) (v1.Image, error) {
	if p.OS != "linux" {
		return nil, fmt.Errorf("image for %s: images are linux only", p)
	}
	if o.Version == "" {
		return nil, fmt.Errorf("image: no version given")
	}
	created := o.Created.UTC()
	gz, err := layerTar(bin, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gz)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	cfg := &v1.ConfigFile{
		Architecture: p.Arch,
		OS:           p.OS,
		Created:      v1.Time{Time: created},
		Config: v1.Config{
			Entrypoint: []string{BinaryPath},
			Cmd:        []string{"--help"},
			User:       fmt.Sprintf("%d:%d", UID, UID),
			WorkingDir: WorkDir,
			Env:        []string{"PATH=/usr/local/bin", "HOME=" + home},
			Labels:     o.labels(),
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "edict release " + o.Version, Comment: "static edict binary"},
	})
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.Annotations(img, o.labels()).(v1.Image), nil
}

// Index builds the multi-platform image index from one binary per linux
// platform, ordered by platform.
func Index(bins map[Platform][]byte, o ImageOptions) (v1.ImageIndex, error) {
	if len(bins) == 0 {
		return nil, fmt.Errorf("image index: no linux binaries")
	}
	platforms := make([]Platform, 0, len(bins))
	for p := range bins {
		platforms = append(platforms, p)
	}
	sort.Slice(platforms, func(i, j int) bool { return platforms[i].String() < platforms[j].String() })
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		img, err := Image(bins[p], p, o)
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Arch}},
		})
	}
	return mutate.Annotations(idx, o.labels()).(v1.ImageIndex), nil
}

// RefNameAnnotation names an image in an OCI layout's index.json.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// WriteLayout writes idx to a new OCI image layout folder dir, tagged with
// version, replacing dir only once the whole layout is written. An existing
// dir must be empty or an OCI layout; anything else is refused rather than
// deleted.
func WriteLayout(dir string, idx v1.ImageIndex, version string) error {
	return atomicwrite.Dir(dir, checkLayoutDir, func(tmp string) error {
		p, err := layout.Write(tmp, empty.Index)
		if err != nil {
			return err
		}
		return p.AppendIndex(idx, layout.WithAnnotations(map[string]string{RefNameAnnotation: version}))
	})
}

// checkLayoutDir allows replacing dir when it is missing, empty, or an OCI
// image layout (it holds an oci-layout file).
func checkLayoutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if info, err := os.Lstat(filepath.Join(dir, "oci-layout")); err == nil && info.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s is not empty and is not an OCI image layout; refusing to replace it", dir)
}
