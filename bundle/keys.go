package bundle

import (
	"crypto"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/edict-policy/edict/atomicwrite"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// PassFunc returns the password of an encrypted private key; confirm asks
// for it twice when a new key is being created.
type PassFunc = cryptoutils.PassFunc

// KeyError reports a key that could not be read or decrypted.
type KeyError struct {
	Path string
	Err  error
}

func (e *KeyError) Error() string { return fmt.Sprintf("key %s: %v", e.Path, e.Err) }
func (e *KeyError) Unwrap() error { return e.Err }

// LoadPrivateKey reads a signing key: a cosign key file (ENCRYPTED SIGSTORE
// PRIVATE KEY or the older ENCRYPTED COSIGN PRIVATE KEY, scrypt+secretbox) or
// a plain PKCS#8, PKCS#1 or SEC 1 PEM key. pass is only called for encrypted keys.
func LoadPrivateKey(path string, pass PassFunc) (signature.SignerVerifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &KeyError{Path: path, Err: err}
	}
	sv, err := ParsePrivateKey(data, pass)
	if err != nil {
		return nil, &KeyError{Path: path, Err: err}
	}
	return sv, nil
}

// PrivateKeyWarnings lists what is unsafe about a signing key file that
// edict still uses: a key without a password, or one other users can read.
func PrivateKeyWarnings(path string) []string {
	var out []string
	if info, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		out = append(out, fmt.Sprintf("key %s can be read by other users (mode %04o); restrict it with chmod 600", path, info.Mode().Perm()))
	}
	if data, err := os.ReadFile(path); err == nil {
		if block, _ := pem.Decode(data); block != nil && !strings.Contains(block.Type, "ENCRYPTED") {
			out = append(out, fmt.Sprintf("key %s is not encrypted: anyone who can read it can sign as you (edict keygen writes encrypted keys)", path))
		}
	}
	return out
}

// ParsePrivateKey is LoadPrivateKey on PEM bytes.
func ParsePrivateKey(pemBytes []byte, pass PassFunc) (signature.SignerVerifier, error) {
	if pass == nil {
		pass = func(bool) ([]byte, error) {
			return nil, errors.New("the key is encrypted and no password was given")
		}
	}
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(pemBytes, pass)
	if err != nil {
		// secretbox reports a wrong password as a failed decryption.
		return nil, fmt.Errorf("cannot read private key (wrong password?): %w", err)
	}
	sv, err := signature.LoadSignerVerifier(priv, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("unsupported private key: %w", err)
	}
	return sv, nil
}

// LoadPublicKey reads a PEM public key (cosign.pub) as a verifier.
func LoadPublicKey(path string) (signature.Verifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &KeyError{Path: path, Err: err}
	}
	v, err := ParsePublicKey(data)
	if err != nil {
		return nil, &KeyError{Path: path, Err: err}
	}
	return v, nil
}

// ParsePublicKey is LoadPublicKey on PEM bytes.
func ParsePublicKey(pemBytes []byte) (signature.Verifier, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("not a PEM public key: %w", err)
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("unsupported public key: %w", err)
	}
	return v, nil
}

// GenerateKeyPair creates an ECDSA P-256 key pair in cosign's format: the
// private key PKCS#8-encoded and encrypted with the password (scrypt and
// NaCl secretbox) in an ENCRYPTED SIGSTORE PRIVATE KEY block, and the public
// key as a PKIX PUBLIC KEY block.
func GenerateKeyPair(password []byte) (privPEM, pubPEM []byte, err error) {
	if password == nil {
		password = []byte{}
	}
	privPEM, pubPEM, err = cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		return nil, nil, fmt.Errorf("generate key pair: %w", err)
	}
	return privPEM, pubPEM, nil
}

// keyHint identifies a public key the way Sigstore bundles do: base64 of the
// sha256 of its DER (PKIX) encoding.
func keyHint(v signature.PublicKeyProvider) (string, error) {
	pub, err := v.PublicKey()
	if err != nil {
		return "", err
	}
	der, err := cryptoutils.MarshalPublicKeyToDER(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// WriteKeyPair generates a key pair (see GenerateKeyPair) and writes
// prefix.key with mode 0600 and prefix.pub with mode 0644, each atomically.
// Existing files are kept unless overwrite is set.
func WriteKeyPair(prefix string, password []byte, overwrite bool) (keyPath, pubPath string, err error) {
	keyPath, pubPath = prefix+".key", prefix+".pub"
	if !overwrite {
		for _, p := range []string{keyPath, pubPath} {
			if _, err := os.Stat(p); err == nil {
				return "", "", &InvalidError{Reason: fmt.Sprintf("%s exists; pass --force to replace it", p)}
			}
		}
	}
	priv, pub, err := GenerateKeyPair(password)
	if err != nil {
		return "", "", err
	}
	if err := atomicwrite.File(keyPath, priv, 0o600); err != nil {
		return "", "", err
	}
	if err := atomicwrite.File(pubPath, pub, 0o644); err != nil {
		return "", "", err
	}
	return keyPath, pubPath, nil
}
