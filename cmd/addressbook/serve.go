package main

import (
	"encoding/json"
	"net/http"
)

// handler serves the book read-only: GET /customers (every entry) and GET /customers/{no}.
func (b *Book) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /customers", func(w http.ResponseWriter, r *http.Request) {
		es, err := b.Entries()
		if err != nil {
			http.Error(w, "the address book cannot be read", http.StatusInternalServerError)
			return
		}
		if es == nil {
			es = []Entry{}
		}
		writeJSON(w, map[string]any{"items": es})
	})
	mux.HandleFunc("GET /customers/{customerNo}", func(w http.ResponseWriter, r *http.Request) {
		e, found, err := b.Entry(r.PathValue("customerNo"))
		switch {
		case err != nil:
			http.Error(w, "the address book cannot be read", http.StatusInternalServerError)
		case !found:
			http.Error(w, "no such customer in the address book", http.StatusNotFound)
		default:
			writeJSON(w, e)
		}
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}
