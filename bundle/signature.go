package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/signature"
	"oras.land/oras-go/v2/content"
)

// Media types and annotations cosign and Flux read. They are the wire
// contract with those tools; see cosign's specs/SIGNATURE_SPEC.md.
const (
	MediaTypeFluxConfig     = "application/vnd.cncf.flux.config.v1+json"
	MediaTypeLayer          = ocispec.MediaTypeImageLayerGzip
	MediaTypeSimpleSigning  = "application/vnd.dev.cosign.simplesigning.v1+json"
	MediaTypeSigstoreBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"
	MediaTypeInToto         = "application/vnd.in-toto+json"

	AnnotationCosignSignature = "dev.cosignproject.cosign/signature"
	annotationBundleContent   = "dev.sigstore.bundle.content"
	annotationBundlePredicate = "dev.sigstore.bundle.predicateType"

	cosignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	inTotoStatementType = "https://in-toto.io/Statement/v1"
	simpleSigningType   = "cosign container image signature"
)

// SignatureFormat selects how an artifact signature is stored.
type SignatureFormat string

const (
	// FormatLegacy is cosign's simple-signing manifest at tag sha256-<hex>.sig,
	// read by every cosign and Flux version.
	FormatLegacy SignatureFormat = "legacy"
	// FormatBundle is a Sigstore bundle (v0.3, DSSE) stored as an OCI 1.1
	// referrer, with the sha256-<hex> tag fallback; cosign v3's default.
	FormatBundle SignatureFormat = "bundle"
	// FormatBoth writes both.
	FormatBoth SignatureFormat = "both"
)

// ParseSignatureFormat checks a --signature-format value.
func ParseSignatureFormat(s string) (SignatureFormat, error) {
	switch f := SignatureFormat(s); f {
	case FormatLegacy, FormatBundle, FormatBoth:
		return f, nil
	case "":
		return FormatLegacy, nil
	}
	return "", &InvalidError{Reason: fmt.Sprintf("signature format %q: expected legacy, bundle or both", s)}
}

func (f SignatureFormat) legacy() bool { return f == FormatLegacy || f == FormatBoth || f == "" }
func (f SignatureFormat) bundle() bool { return f == FormatBundle || f == FormatBoth }

// LegacySignatureTag is the tag cosign stores simple signatures under.
func LegacySignatureTag(d digest.Digest) string {
	return strings.Replace(d.String(), ":", "-", 1) + ".sig"
}

// simpleSigning is the payload cosign signs for a container image.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]any `json:"optional"`
}

func simpleSigningPayload(identity string, d digest.Digest) ([]byte, error) {
	var p simpleSigning
	p.Critical.Identity.DockerReference = identity
	p.Critical.Image.DockerManifestDigest = d.String()
	p.Critical.Type = simpleSigningType
	return json.Marshal(p)
}

// blob is content with its descriptor, ready to push.
type blob struct {
	desc ocispec.Descriptor
	data []byte
}

func newBlob(mediaType string, data []byte) blob {
	return blob{desc: content.NewDescriptorFromBytes(mediaType, data), data: data}
}

// legacySignatureLayer signs the simple-signing payload for d.
func legacySignatureLayer(s signature.Signer, identity string, d digest.Digest) (blob, error) {
	payload, err := simpleSigningPayload(identity, d)
	if err != nil {
		return blob{}, err
	}
	sig, err := s.SignMessage(bytes.NewReader(payload))
	if err != nil {
		return blob{}, fmt.Errorf("sign %s: %w", d, err)
	}
	b := newBlob(MediaTypeSimpleSigning, payload)
	b.desc.Annotations = map[string]string{AnnotationCosignSignature: base64.StdEncoding.EncodeToString(sig)}
	return b, nil
}

// legacySignatureManifest builds the manifest stored at sha256-<hex>.sig: one
// simple-signing layer per signature, with a config listing them as cosign
// writes it.
func legacySignatureManifest(layers []ocispec.Descriptor) (config blob, manifest blob, err error) {
	diffIDs := make([]string, len(layers))
	for i, l := range layers {
		diffIDs[i] = l.Digest.String()
	}
	cfg := map[string]any{
		"architecture": "",
		"created":      "0001-01-01T00:00:00Z",
		"history":      []map[string]string{{"created": "0001-01-01T00:00:00Z"}},
		"os":           "",
		"rootfs":       map[string]any{"type": "layers", "diff_ids": diffIDs},
		"config":       map[string]any{},
	}
	cfgBytes, err := json.Marshal(cfg)
	if err != nil {
		return blob{}, blob{}, err
	}
	config = newBlob(ocispec.MediaTypeImageConfig, cfgBytes)
	m := ocispec.Manifest{
		Versioned: specsVersioned,
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    config.desc,
		Layers:    layers,
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return blob{}, blob{}, err
	}
	return config, newBlob(ocispec.MediaTypeImageManifest, mb), nil
}

// verifyLegacyLayer checks one simple-signing layer against the key and the
// digest it must name.
func verifyLegacyLayer(v signature.Verifier, layer ocispec.Descriptor, payload []byte, d digest.Digest) error {
	sigB64, ok := layer.Annotations[AnnotationCosignSignature]
	if !ok {
		return fmt.Errorf("layer %s has no %s annotation", layer.Digest, AnnotationCosignSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload)); err != nil {
		return errWrongKey
	}
	var p simpleSigning
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("signed payload is not simple signing JSON: %w", err)
	}
	if p.Critical.Image.DockerManifestDigest != d.String() {
		return fmt.Errorf("signature is for %s, not %s", p.Critical.Image.DockerManifestDigest, d)
	}
	return nil
}

var errWrongKey = fmt.Errorf("signature does not match the public key")

// inTotoStatement is what a cosign v3 bundle signs: the artifact digest.
type inTotoStatement struct {
	Type          string          `json:"_type"`
	Subject       []inTotoSubject `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     map[string]any  `json:"predicate"`
}

type inTotoSubject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// sigstoreBundle is the Sigstore bundle v0.3 JSON with a DSSE envelope and a
// public-key hint (no certificate, no transparency log entry).
type sigstoreBundle struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		PublicKey struct {
			Hint string `json:"hint"`
		} `json:"publicKey"`
	} `json:"verificationMaterial"`
	DSSEEnvelope dsseEnvelope `json:"dsseEnvelope"`
}

type dsseEnvelope struct {
	Payload     string          `json:"payload"`
	PayloadType string          `json:"payloadType"`
	Signatures  []dsseSignature `json:"signatures"`
}

type dsseSignature struct {
	Sig   string `json:"sig"`
	KeyID string `json:"keyid,omitempty"`
}

// pae is DSSE's pre-authentication encoding, the bytes actually signed.
func pae(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload))
}

// sigstoreBundleFor signs an in-toto statement naming d.
func sigstoreBundleFor(s signature.Signer, d digest.Digest) ([]byte, error) {
	stmt := inTotoStatement{
		Type:          inTotoStatementType,
		Subject:       []inTotoSubject{{Digest: map[string]string{d.Algorithm().String(): d.Encoded()}}},
		PredicateType: cosignPredicateType,
		Predicate:     map[string]any{},
	}
	payload, err := json.Marshal(stmt)
	if err != nil {
		return nil, err
	}
	sig, err := s.SignMessage(bytes.NewReader(pae(MediaTypeInToto, payload)))
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", d, err)
	}
	hint, err := keyHint(s)
	if err != nil {
		return nil, err
	}
	var b sigstoreBundle
	b.MediaType = MediaTypeSigstoreBundle
	b.VerificationMaterial.PublicKey.Hint = hint
	b.DSSEEnvelope = dsseEnvelope{
		Payload:     base64.StdEncoding.EncodeToString(payload),
		PayloadType: MediaTypeInToto,
		Signatures:  []dsseSignature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	}
	return json.Marshal(b)
}

// verifySigstoreBundle checks a bundle's DSSE signature against the key and
// that its statement names d.
func verifySigstoreBundle(v signature.Verifier, raw []byte, d digest.Digest) error {
	var b sigstoreBundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	env := b.DSSEEnvelope
	if env.PayloadType != MediaTypeInToto {
		return fmt.Errorf("bundle payload type %q, expected %s", env.PayloadType, MediaTypeInToto)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return fmt.Errorf("bundle payload is not base64: %w", err)
	}
	verified := false
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			continue
		}
		if v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(pae(env.PayloadType, payload))) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return errWrongKey
	}
	var stmt inTotoStatement
	if err := json.Unmarshal(payload, &stmt); err != nil {
		return fmt.Errorf("signed statement is not in-toto JSON: %w", err)
	}
	for _, sub := range stmt.Subject {
		if sub.Digest[d.Algorithm().String()] == d.Encoded() {
			return nil
		}
	}
	return fmt.Errorf("signed statement does not name %s", d)
}

// sigstoreReferrer wraps a bundle in the referrer manifest cosign v3 writes.
func sigstoreReferrer(bundleJSON []byte, subject ocispec.Descriptor, created time.Time) (config, layer, manifest blob, err error) {
	config = newBlob(ocispec.MediaTypeEmptyJSON, ocispec.DescriptorEmptyJSON.Data)
	layer = newBlob(MediaTypeSigstoreBundle, bundleJSON)
	m := ocispec.Manifest{
		Versioned:    specsVersioned,
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: MediaTypeSigstoreBundle,
		Config:       config.desc,
		Layers:       []ocispec.Descriptor{layer.desc},
		Subject:      &ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{
			annotationBundleContent:   "dsse-envelope",
			annotationBundlePredicate: cosignPredicateType,
			ocispec.AnnotationCreated: created.UTC().Format(time.RFC3339),
		},
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return blob{}, blob{}, blob{}, err
	}
	manifest = newBlob(ocispec.MediaTypeImageManifest, mb)
	manifest.desc.ArtifactType = MediaTypeSigstoreBundle
	return config, layer, manifest, nil
}
