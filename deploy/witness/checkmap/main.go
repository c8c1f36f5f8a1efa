// Command checkmap checks, sharing no code with caselog, that a litigation bundle holds every
// event its case had at the bundle's checkpoint (docs/decisions/0026-case-completeness-map.md):
// the checkpoint and the case map statement must verify with the log's key
// (golang.org/x/mod/sumdb/note), the statement must name the checkpoint's origin, size and
// root, and the case's map leaf, rebuilt from the bundle's own case id, number of events and
// last chain hash (not from the counts the bundle claims), must be in the signed map
// (golang.org/x/mod/sumdb/tlog, whose record hashes and proofs are RFC 6962's).
//
//	checkmap <bundle.json> <log vkey>
//
// Exit 0 and one line when the bundle is complete; exit 1 and the reason otherwise.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type bundle struct {
	CaseID     string `json:"case_id"`
	Checkpoint string `json:"checkpoint"`
	Events     []struct {
		ChainHash string `json:"chain_hash"`
	} `json:"events"`
	CaseMap *struct {
		Statement string   `json:"statement"`
		Index     int64    `json:"index"`
		Proof     []string `json:"proof"`
	} `json:"case_map"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func hash(text string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) != tlog.HashSize {
		fail("not a base64 SHA-256 hash: %q", text)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

// open verifies a note with the log's key and returns its text lines (without the last "").
func open(text string, verifier note.Verifier, what string) []string {
	n, err := note.Open([]byte(text), note.VerifierList(verifier))
	if err != nil {
		fail("%s: %v", what, err)
	}
	return strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
}

func value(line, label string) string {
	name, rest, ok := strings.Cut(line, " ")
	if !ok || name != label {
		fail("case map statement: expected a %s line", label)
	}
	return rest
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: checkmap <bundle.json> <log vkey>")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil {
		fail("not a bundle: %v", err)
	}
	if b.CaseMap == nil || len(b.Events) == 0 {
		fail("the bundle carries no case map entry: completeness not proved")
	}
	checkpoint := open(b.Checkpoint, verifier, "checkpoint")
	statement := open(b.CaseMap.Statement, verifier, "case map statement")
	if len(checkpoint) < 3 || len(statement) != 6 || statement[0] != "caselog case map v1" {
		fail("the checkpoint or the case map statement is not laid out as specified")
	}
	if value(statement[1], "origin") != checkpoint[0] || value(statement[2], "size") != checkpoint[1] ||
		value(statement[3], "root") != checkpoint[2] {
		fail("the case map statement is for another log or checkpoint than the bundle's")
	}
	cases, err := strconv.ParseInt(value(statement[4], "cases"), 10, 64)
	if err != nil {
		fail("case map statement: malformed cases line")
	}
	mapRoot := hash(value(statement[5], "map"))

	id := []byte(b.CaseID)
	leaf := []byte("caselog.case-map.v1\x00")
	leaf = binary.BigEndian.AppendUint16(leaf, uint16(len(id)))
	leaf = append(leaf, id...)
	leaf = binary.BigEndian.AppendUint64(leaf, uint64(len(b.Events)))
	last := hash(b.Events[len(b.Events)-1].ChainHash)
	leaf = append(leaf, last[:]...)

	proof := make(tlog.RecordProof, len(b.CaseMap.Proof))
	for i, item := range b.CaseMap.Proof {
		proof[i] = hash(item)
	}
	if err := tlog.CheckRecord(proof, cases, mapRoot, b.CaseMap.Index, tlog.RecordHash(leaf)); err != nil {
		fail("case %s with %d events ending at the bundle's last event is not in the signed case map: %v",
			b.CaseID, len(b.Events), err)
	}
	fmt.Printf("complete: case %s had %d events at size %s\n", b.CaseID, len(b.Events), checkpoint[1])
}
