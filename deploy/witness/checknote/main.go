// Command checknote checks a signed note with Go's golang.org/x/mod/sumdb/note, sharing no
// code with caselog: every key given must have signed it. A key of type 0x01 is a log key
// (note.NewVerifier); a key of type 0x04 is a C2SP tlog-cosignature/v1 witness key, checked
// here by a verifier written against the spec.
//
//	checknote <note file> <vkey>...
//
// Exit 0 and one line per verified key name; exit 1 and the reason otherwise.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	m := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, msg)
	return ed25519.Verify(v.key, []byte(m), sig[8:])
}

func verifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("malformed key %q", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 {
		return nil, fmt.Errorf("malformed key %q", vkey)
	}
	if raw[0] != 4 {
		return note.NewVerifier(vkey)
	}
	sum := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	v := &cosignatureVerifier{parts[0], binary.BigEndian.Uint32(sum[:4]), raw[1:]}
	if fmt.Sprintf("%08x", v.hash) != parts[1] {
		return nil, fmt.Errorf("key ID of %q does not match", parts[0])
	}
	return v, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: checknote <note file> <vkey>...")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var verifiers []note.Verifier
	for _, vkey := range os.Args[2:] {
		v, err := verifier(vkey)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fmt.Fprintln(os.Stderr, "note does not verify:", err)
		os.Exit(1)
	}
	signed := map[string]bool{}
	for _, sig := range n.Sigs {
		signed[sig.Name] = true
	}
	for _, v := range verifiers {
		if !signed[v.Name()] {
			fmt.Fprintln(os.Stderr, "not signed by", v.Name())
			os.Exit(1)
		}
		fmt.Println(v.Name())
	}
}
