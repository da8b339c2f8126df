package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

// Personal data for downstream consumers (docs/consumers.md): a writer keeps the grants and the
// record of every disclosure in data/disclosures.db, serves POST .../events/personal-data and
// GET .../customers/{customerNo}/disclosures, and lets the operator grant and revoke on the
// admin socket (ledgerctl consumer).

// openDisclosures opens the disclosure store and its service (a writer's).
func (m *Main) openDisclosures(cfg *httpapi.Config) error {
	store, err := disclosure.Open(m.dir().File(datadir.Disclosures), disclosure.Options{})
	if err != nil {
		return err
	}
	m.disclosures = store
	svc, err := disclosure.NewService(disclosure.Config{Store: store, Log: m.store, Opener: m.pd, MaxAge: m.Options.PersonalDataMaxAge, Now: m.clock})
	if err != nil {
		return err
	}
	cfg.PersonalData = svc
	return nil
}

// disclosurePruneInterval is how often the disclosure records past -disclosure-retention are
// pruned (and once at start).
const disclosurePruneInterval = time.Hour

// startDisclosurePruning prunes the disclosure records older than -disclosure-retention at start
// and every disclosurePruneInterval until ctx ends; with a retention of 0 it does nothing.
func (m *Main) startDisclosurePruning(ctx context.Context) {
	if m.Options.DisclosureRetention == 0 || m.disclosures == nil {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(disclosurePruneInterval)
		defer t.Stop()
		for {
			n, err := m.pruneDisclosures()
			switch {
			case err != nil && ctx.Err() == nil:
				m.log.Warn("disclosure records: pruning failed; the next pass tries again", "pruned", n, "err", err)
			case n > 0:
				m.log.Info("disclosure records: pruned", "pruned", n, "retention", m.Options.DisclosureRetention.String())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// pruneDisclosures deletes the disclosure records made more than -disclosure-retention before
// the API's clock, and returns how many.
func (m *Main) pruneDisclosures() (int, error) {
	return m.disclosures.Prune(m.clock().Add(-m.Options.DisclosureRetention))
}

func (m *Main) adminConsumerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+admin.Consumers, m.listGrants)
	mux.HandleFunc("POST "+admin.ConsumersGrant, func(w http.ResponseWriter, r *http.Request) { m.changeGrant(w, r, true) })
	mux.HandleFunc("POST "+admin.ConsumersRevoke, func(w http.ResponseWriter, r *http.Request) { m.changeGrant(w, r, false) })
	mux.HandleFunc("GET "+admin.BackupDisclosures, m.backupDisclosures)
}

func (m *Main) listGrants(w http.ResponseWriter, r *http.Request) {
	grants, err := m.disclosures.Grants()
	if err != nil {
		admin.WriteError(w, http.StatusInternalServerError, err)
		return
	}
	hist, err := m.disclosures.History()
	if err != nil {
		admin.WriteError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(admin.Grants{Grants: grants, History: hist})
}

func (m *Main) changeGrant(w http.ResponseWriter, r *http.Request, grant bool) {
	var req admin.GrantChange
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		admin.WriteError(w, http.StatusBadRequest, err)
		return
	}
	if _, served := m.ledgers.Ledger(req.LedgerNo); grant && !served {
		// A typo (10000 for 1000) would otherwise be reported as granted while the consumer it
		// was meant for stays without its grant.
		admin.WriteError(w, http.StatusNotFound, fmt.Errorf("ledger %q is not one of this ledgerd's ledgers (%s): nothing granted", req.LedgerNo, strings.Join(slices.Sorted(maps.Keys(m.ledgers)), ", ")))
		return
	}
	var g disclosure.Grant
	var err error
	if grant {
		g, err = m.disclosures.Grant(req.LedgerNo, req.Consumer, req.By, req.Note, time.Now())
	} else {
		g, err = m.disclosures.Revoke(req.LedgerNo, req.Consumer, req.By, time.Now())
	}
	switch {
	case errors.Is(err, disclosure.ErrInvalidName):
		admin.WriteError(w, http.StatusBadRequest, err)
		return
	case errors.Is(err, disclosure.ErrNotGranted):
		admin.WriteError(w, http.StatusConflict, err)
		return
	case err != nil:
		admin.WriteError(w, http.StatusInternalServerError, err)
		return
	}
	action := "granted personal data to a consumer"
	if !grant {
		action = "revoked a consumer's personal data"
	}
	m.log.Info(action, "ledgerNo", g.LedgerNo, "consumer", g.Consumer, "by", req.By)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(g)
}

func (m *Main) backupDisclosures(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	cw, err := m.backupWriter(w, "disclosure store", m.disclosures.MapUse) // admin.go
	if err != nil {
		m.log.Warn("backup of the disclosure store refused", "err", err)
		admin.WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	n, err := m.disclosures.Backup(cw)
	cw.done()
	if err != nil {
		m.log.Warn("backup of the disclosure store failed", "err", err)
		refuseOrCut(w, cw, err) // admin.go
		return
	}
	m.log.Info("backed up the disclosure store", "bytes", n)
}
