// Package release builds what edict ships: static, stripped, reproducible
// binaries for each platform, their SHA-256 checksum file, and a
// multi-platform container image written to an OCI image layout without a
// container daemon.
package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/edict-policy/edict/atomicwrite"
)

// Platform is a GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Platforms are the released binaries; the image carries the linux ones.
var Platforms = []Platform{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}}

// ParsePlatform reads "os/arch".
func ParsePlatform(s string) (Platform, error) {
	goos, arch, ok := strings.Cut(s, "/")
	if !ok || goos == "" || arch == "" || strings.Contains(arch, "/") {
		return Platform{}, fmt.Errorf("platform %q: expected os/arch, for example linux/amd64", s)
	}
	return Platform{goos, arch}, nil
}

// BinaryName is the file name of a released binary, the name the GitHub
// Action downloads.
func BinaryName(p Platform) string { return "edict-" + p.OS + "-" + p.Arch }

// versionPkg is the package whose variables -ldflags -X sets.
const versionPkg = "github.com/edict-policy/edict/version"

// Build describes one release build.
type Build struct {
	Go      string // the go command; default "go"
	Dir     string // module root to build in
	Package string // package to build, for example ./cmd/edict
	Version string // recorded in the binary; required
	Commit  string // recorded in the binary
}

// Args are the go build arguments of a release binary. -trimpath drops this
// machine's paths; -buildvcs=false keeps the checkout's state (a dirty file,
// the commit time) out of the build info so the bytes depend only on the
// source and these flags; -buildid= removes the last per-build value; -s -w
// strip the symbol table and DWARF.
func (b Build) Args(out string) []string {
	ld := []string{"-s", "-w", "-buildid=", "-X", versionPkg + ".version=" + b.Version}
	if b.Commit != "" {
		ld = append(ld, "-X", versionPkg+".commit="+b.Commit)
	}
	return []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", strings.Join(ld, " "), "-o", out, b.Package}
}

// Env is the environment of a release build: CGO off for a static binary,
// the target platform, and the settings that would otherwise come from this
// machine (GOFLAGS, microarchitecture levels) fixed.
func (b Build) Env(p Platform) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CGO_ENABLED", "GOOS", "GOARCH", "GOFLAGS", "GOAMD64", "GOARM64", "GOEXPERIMENT":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch, "GOFLAGS=", "GOAMD64=v1", "GOARM64=v8.0")
}

// Binary builds the release binary for p at out.
func (b Build) Binary(ctx context.Context, p Platform, out string) error {
	if b.Version == "" {
		return fmt.Errorf("release build: no version given")
	}
	goCmd := b.Go
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, b.Args(out)...)
	cmd.Dir = b.Dir
	cmd.Env = b.Env(p)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s: %w\n%s", b.Package, p, err, stderr.Bytes())
	}
	return nil
}

// Checksums renders a sha256sum-compatible file ("<hex>  <name>", sorted by
// name) for files in dir, so `sha256sum -c SHA256SUMS` checks a download.
func Checksums(dir string, names []string) ([]byte, error) {
	names = append([]string(nil), names...)
	sort.Strings(names)
	var buf bytes.Buffer
	for _, n := range names {
		if n != filepath.Base(n) {
			return nil, fmt.Errorf("checksum of %q: only file names in %s", n, dir)
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&buf, "%s  %s\n", hex.EncodeToString(sum[:]), n)
	}
	return buf.Bytes(), nil
}

// WriteChecksums writes dir/SHA256SUMS for the named files.
func WriteChecksums(dir string, names []string) error {
	b, err := Checksums(dir, names)
	if err != nil {
		return err
	}
	return atomicwrite.File(filepath.Join(dir, ChecksumFile), b, 0o644)
}

// ChecksumFile is the name of the checksum file next to the binaries.
const ChecksumFile = "SHA256SUMS"
