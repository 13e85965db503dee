package release

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/edict-policy/edict/version"
)

// hello is a small program built with the release flags in place of edict
// (which takes minutes to cross-compile); it prints version.Get().
const hello = "./release/testdata/hello"

func testBuild() Build {
	return Build{Dir: "..", Package: hello, Version: "v9.8.7-test", Commit: "0123456789abcdef0123456789abcdef01234567"}
}

// buildHello builds hello for p with the release flags into dir.
func buildHello(t *testing.T, p Platform, dir string) []byte {
	t.Helper()
	out := filepath.Join(dir, BinaryName(p))
	if err := testBuild().Binary(context.Background(), p, out); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// checkStaticStripped asserts what the release flags promise about a linux
// binary: no dynamic loader, no symbol table, a reproducible build
// recorded, and the version and commit set at link time.
func checkStaticStripped(t *testing.T, data []byte, p Platform, tmp string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: not an ELF file: %v", p, err)
	}
	if f.Machine != elfMachine[p.Arch] {
		t.Errorf("%s: ELF machine %v", p, f.Machine)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP || prog.Type == elf.PT_DYNAMIC {
			t.Errorf("%s: dynamically linked (program header %v)", p, prog.Type)
		}
	}
	if f.Section(".symtab") != nil {
		t.Errorf("%s: symbol table not stripped", p)
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"-trimpath": "true", "CGO_ENABLED": "0", "GOOS": p.OS, "GOARCH": p.Arch} {
		if settings[k] != want {
			t.Errorf("%s: build setting %s = %q, want %q", p, k, settings[k], want)
		}
	}
	if _, ok := settings["vcs.revision"]; ok {
		t.Errorf("%s: the checkout's VCS state is in the binary", p)
	}
	// go build writes its build ID into this note unless -buildid= empties it.
	if f.Section(".note.go.buildid") != nil {
		t.Errorf("%s: the binary carries a Go build ID", p)
	}
	if bytes.Contains(data, []byte(tmp)) {
		t.Errorf("%s: the binary contains the build folder's path", p)
	}
}

// TestReleaseBinaryReproducibleAndVersioned builds the same program twice
// with the release flags and expects identical bytes, then runs it and
// expects the linker-set version and commit.
func TestReleaseBinaryReproducibleAndVersioned(t *testing.T) {
	host := Platform{"linux", runtime.GOARCH}
	a, b := t.TempDir(), t.TempDir()
	first, second := buildHello(t, host, a), buildHello(t, host, b)
	if !bytes.Equal(first, second) {
		t.Fatal("two release builds of the same source differ")
	}
	checkStaticStripped(t, first, host, a)
	if runtime.GOOS != "linux" {
		return // the binary is for linux; its contents are checked above
	}
	out, err := exec.Command(filepath.Join(a, BinaryName(host))).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got version.Info
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Version != "v9.8.7-test" || got.Commit != testBuild().Commit || got.Modified || got.Platform != host.String() {
		t.Errorf("release binary reports %+v", got)
	}
}

func TestBuildRequiresVersion(t *testing.T) {
	err := Build{Dir: "..", Package: hello}.Binary(context.Background(), Platform{"linux", "amd64"}, filepath.Join(t.TempDir(), "x"))
	if err == nil || !strings.Contains(err.Error(), "no version") {
		t.Errorf("err = %v", err)
	}
}

func TestParsePlatform(t *testing.T) {
	tests := []struct {
		in      string
		want    Platform
		wantErr bool
	}{
		{in: "linux/amd64", want: Platform{"linux", "amd64"}},
		{in: "darwin/arm64", want: Platform{"darwin", "arm64"}},
		{in: "linux", wantErr: true},
		{in: "/amd64", wantErr: true},
		{in: "linux/", wantErr: true},
		{in: "linux/arm/v7", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParsePlatform(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParsePlatform(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestChecksums(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"edict-linux-amd64": "a", "edict-darwin-arm64": "b"}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteChecksums(dir, []string{"edict-linux-amd64", "edict-darwin-arm64"}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, ChecksumFile))
	if err != nil {
		t.Fatal(err)
	}
	// sha256("b") and sha256("a"), sorted by file name, in sha256sum's format.
	want := "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  edict-darwin-arm64\n" +
		"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  edict-linux-amd64\n"
	if string(got) != want {
		t.Errorf("SHA256SUMS:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []string{"../x", "sub/edict", "missing"} {
		if _, err := Checksums(dir, []string{bad}); err == nil {
			t.Errorf("Checksums(%q) succeeded", bad)
		}
	}
}

// TestImageLayout builds the two-platform image from release builds of a
// small program, writes it as an OCI layout, and reads it back with
// go-containerregistry: the tag, the platforms, the configuration, the
// layer's files (the binary byte for byte), and a second build's digest.
func TestImageLayout(t *testing.T) {
	bins := map[Platform][]byte{}
	tmp := t.TempDir()
	for _, p := range []Platform{{"linux", "arm64"}, {"linux", "amd64"}} {
		bins[p] = buildHello(t, p, tmp)
	}
	opts := ImageOptions{Version: "v9.8.7-test", Commit: "0123abc", Source: "https://example.com/edict", Created: time.Unix(1700000000, 0)}
	idx, err := Index(bins, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "edict-image.oci")
	if err := WriteLayout(dir, idx, opts.Version); err != nil {
		t.Fatal(err)
	}

	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := root.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.Manifests) != 1 || rm.Manifests[0].Annotations[RefNameAnnotation] != "v9.8.7-test" || rm.Manifests[0].MediaType != types.OCIImageIndex {
		t.Fatalf("index.json = %+v", rm.Manifests)
	}
	img, err := root.ImageIndex(rm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := img.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.Annotations["org.opencontainers.image.version"] != "v9.8.7-test" {
		t.Errorf("index annotations = %v", im.Annotations)
	}
	var platforms []string
	for _, d := range im.Manifests {
		platforms = append(platforms, d.Platform.OS+"/"+d.Platform.Architecture)
		p := Platform{d.Platform.OS, d.Platform.Architecture}
		if d.MediaType != types.OCIManifestSchema1 {
			t.Errorf("%s: manifest media type %s", p, d.MediaType)
		}
		image, err := img.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, image, p, bins[p], opts)
	}
	if got := strings.Join(platforms, ","); got != "linux/amd64,linux/arm64" {
		t.Errorf("platforms = %s", got)
	}

	// The same binaries and options give the same digest.
	again, err := Index(bins, opts)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := idx.Digest()
	d2, _ := again.Digest()
	if d1 != d2 || d1 != rm.Manifests[0].Digest {
		t.Errorf("digests %s, %s, in the layout %s", d1, d2, rm.Manifests[0].Digest)
	}
	if _, err := Image(bins[Platform{"linux", "amd64"}], Platform{"darwin", "amd64"}, opts); err == nil {
		t.Error("a darwin image was built")
	}
}

func checkImage(t *testing.T, img v1.Image, p Platform, bin []byte, opts ImageOptions) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != p.OS || cfg.Architecture != p.Arch {
		t.Errorf("%s: config platform %s/%s", p, cfg.OS, cfg.Architecture)
	}
	c := cfg.Config
	if strings.Join(c.Entrypoint, " ") != BinaryPath || c.User != "65532:65532" || c.WorkingDir != WorkDir {
		t.Errorf("%s: entrypoint %v user %q workdir %q", p, c.Entrypoint, c.User, c.WorkingDir)
	}
	if c.Labels["org.opencontainers.image.revision"] != opts.Commit || c.Labels["org.opencontainers.image.source"] != opts.Source ||
		c.Labels["org.opencontainers.image.created"] != "2023-11-14T22:13:20Z" || !cfg.Created.Time.Equal(opts.Created) {
		t.Errorf("%s: labels %v created %v", p, c.Labels, cfg.Created)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%s: %d layers", p, len(layers))
	}
	if mt, _ := layers[0].MediaType(); mt != types.OCILayer {
		t.Errorf("%s: layer media type %s", p, mt)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(opts.Created) {
			t.Errorf("%s: %s mtime %v", p, h.Name, h.ModTime)
		}
		switch h.Name {
		case "usr/local/bin/edict":
			data, _ := io.ReadAll(tr)
			if !bytes.Equal(data, bin) || h.Mode != 0o755 || h.Uid != 0 {
				t.Errorf("%s: binary in the image differs from the build (mode %o uid %d)", p, h.Mode, h.Uid)
			}
		case "tmp/":
			if h.Mode != 0o1777 {
				t.Errorf("%s: /tmp mode %o", p, h.Mode)
			}
		case "work/", "home/nonroot/":
			if h.Uid != UID {
				t.Errorf("%s: %s owned by %d", p, h.Name, h.Uid)
			}
		}
	}
	if got := strings.Join(names, " "); got != "home/ home/nonroot/ tmp/ usr/ usr/local/ usr/local/bin/ usr/local/bin/edict work/" {
		t.Errorf("%s: layer entries %s", p, got)
	}
}

// TestWriteLayoutReplacesOnlyLayouts: a second write replaces an OCI layout,
// but a folder holding anything else is refused and left as it was.
func TestWriteLayoutReplacesOnlyLayouts(t *testing.T) {
	idx, err := random.Index(64, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "edict-image.oci")
	for range 2 {
		if err := WriteLayout(dir, idx, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := layout.ImageIndexFromPath(dir); err != nil {
		t.Fatalf("not a layout after two writes: %v", err)
	}
	foreign := filepath.Join(t.TempDir(), "notes")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLayout(foreign, idx, "v1"); err == nil || !strings.Contains(err.Error(), "refusing to replace it") {
		t.Errorf("a foreign folder was not refused: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "notes.txt")); err != nil || string(b) != "keep" {
		t.Errorf("the foreign folder changed: %q %v", b, err)
	}
}
