package bundle

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// GitOpsOptions describe how a cluster should sync an artifact.
type GitOpsOptions struct {
	Name      string // object name prefix; default: the repository's last element
	Namespace string // default flux-system (Flux) or argocd (Argo CD)
	Interval  string // Flux reconcile interval; default 10m
	// PublicKey is the cosign public key PEM for Flux's spec.verify; Flux
	// output without it has no verification.
	PublicKey []byte
	// Semver selects the newest tag matching a range instead of a fixed tag.
	Semver string
	// Insecure syncs from a plain-HTTP registry.
	Insecure bool
}

var dnsLabelInvalid = regexp.MustCompile(`[^a-z0-9-]+`)

func (o *GitOpsOptions) name(loc *Location) string {
	if o.Name != "" {
		return o.Name
	}
	last := loc.Repository[strings.LastIndex(loc.Repository, "/")+1:]
	n := strings.Trim(dnsLabelInvalid.ReplaceAllString(strings.ToLower(last), "-"), "-")
	if n == "" {
		n = "policies"
	}
	return n
}

func gitopsLocation(ref string) (*Location, error) {
	loc, err := ParseLocation(ref)
	if err != nil {
		return nil, err
	}
	if !loc.IsRegistry() {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s: clusters pull from a registry; give oci://host/repository:tag", ref)}
	}
	if len(loc.Tags) > 1 {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s: give one tag", ref)}
	}
	return loc, nil
}

// FluxManifests renders what Flux needs to sync and verify the artifact:
// the cosign public key Secret, an OCIRepository with spec.verify, and two
// Kustomizations so constraints are only applied once the templates (and
// the CRDs Gatekeeper creates from them) are ready.
func FluxManifests(ref string, o GitOpsOptions) ([]byte, error) {
	loc, err := gitopsLocation(ref)
	if err != nil {
		return nil, err
	}
	name, ns := o.name(loc), o.Namespace
	if ns == "" {
		ns = "flux-system"
	}
	interval := o.Interval
	if interval == "" {
		interval = "10m"
	}
	ociRef := map[string]any{}
	switch {
	case loc.Digest != "":
		ociRef["digest"] = loc.Digest.String()
	case o.Semver != "":
		ociRef["semver"] = o.Semver
	case len(loc.Tags) == 1:
		ociRef["tag"] = loc.Tags[0]
	default:
		ociRef["tag"] = "latest"
	}
	var docs []any
	spec := map[string]any{
		"interval": interval,
		"url":      Scheme + loc.Name(),
		"ref":      ociRef,
		// The bundle is the first and only layer; naming its type makes
		// Flux fail loudly if something else is ever pushed to the tag.
		"layerSelector": map[string]any{"mediaType": MediaTypeLayer, "operation": "extract"},
	}
	if o.Insecure {
		spec["insecure"] = true
	}
	if len(o.PublicKey) > 0 {
		secret := name + "-cosign-pub"
		docs = append(docs, map[string]any{
			"apiVersion": "v1",
			"kind":       "Secret",
			"metadata":   map[string]any{"name": secret, "namespace": ns},
			"type":       "Opaque",
			"stringData": map[string]any{"cosign.pub": string(o.PublicKey)},
		})
		spec["verify"] = map[string]any{"provider": "cosign", "secretRef": map[string]any{"name": secret}}
	}
	docs = append(docs, map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1",
		"kind":       "OCIRepository",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec":       spec,
	})
	kustomization := func(suffix, path string, extra map[string]any) map[string]any {
		s := map[string]any{
			"interval":  interval,
			"sourceRef": map[string]any{"kind": "OCIRepository", "name": name},
			"path":      path,
			"prune":     true,
			"wait":      true,
			"timeout":   "5m",
		}
		for k, v := range extra {
			s[k] = v
		}
		return map[string]any{
			"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
			"kind":       "Kustomization",
			"metadata":   map[string]any{"name": name + "-" + suffix, "namespace": ns},
			"spec":       s,
		}
	}
	docs = append(docs,
		kustomization("templates", "./templates", map[string]any{
			// A ConstraintTemplate is ready once Gatekeeper created its CRD.
			"healthCheckExprs": []any{map[string]any{
				"apiVersion": "templates.gatekeeper.sh/v1",
				"kind":       "ConstraintTemplate",
				"current":    "has(status.created) && status.created == true",
			}},
		}),
		kustomization("constraints", "./constraints", map[string]any{
			"dependsOn": []any{map[string]any{"name": name + "-templates"}},
		}),
	)
	header := "# Flux: sync " + loc.String() + " (cosign-verified) into Gatekeeper.\n"
	if len(o.PublicKey) == 0 {
		header += "# WARNING: no --key given, so spec.verify is not set and signatures are not checked.\n"
	}
	return marshalDocs(header, docs)
}

// ArgoManifests renders an Argo CD Application with the artifact as its OCI
// source. Argo CD does not verify cosign signatures of OCI sources, so the
// header says where verification has to happen instead.
func ArgoManifests(ref string, o GitOpsOptions) ([]byte, error) {
	loc, err := gitopsLocation(ref)
	if err != nil {
		return nil, err
	}
	name, ns := o.name(loc), o.Namespace
	if ns == "" {
		ns = "argocd"
	}
	revision := "latest"
	switch {
	case loc.Digest != "":
		revision = loc.Digest.String()
	case o.Semver != "":
		revision = o.Semver
	case len(loc.Tags) == 1:
		revision = loc.Tags[0]
	}
	var docs []any
	if o.Insecure {
		docs = append(docs, map[string]any{
			"apiVersion": "v1",
			"kind":       "Secret",
			"metadata": map[string]any{
				"name": name + "-repo", "namespace": ns,
				"labels": map[string]any{"argocd.argoproj.io/secret-type": "repository"},
			},
			"stringData": map[string]any{
				"name": name, "type": "oci", "url": Scheme + loc.Name(), "insecureOCIForceHttp": "true",
			},
		})
	}
	docs = append(docs, map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"project": "default",
			"source": map[string]any{
				"repoURL":        Scheme + loc.Name(),
				"targetRevision": revision,
				"path":           ".",
			},
			"destination": map[string]any{"server": "https://kubernetes.default.svc"},
			"syncPolicy": map[string]any{
				"automated": map[string]any{"prune": true, "selfHeal": true},
				// Constraints' CRDs appear only after Gatekeeper processed the
				// templates (sync wave -1); skip the dry run that would fail.
				"syncOptions": []any{"SkipDryRunOnMissingResource=true"},
				"retry": map[string]any{
					"limit":   5,
					"backoff": map[string]any{"duration": "10s", "factor": 2, "maxDuration": "3m"},
				},
			},
		},
	})
	header := "# Argo CD (3.1+): sync " + loc.String() + " into Gatekeeper.\n" +
		"# Argo CD does not verify cosign signatures of OCI sources: pin a digest that\n" +
		"# `edict verify` accepted, or verify in the pipeline before promoting the tag.\n"
	return marshalDocs(header, docs)
}

func marshalDocs(header string, docs []any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
