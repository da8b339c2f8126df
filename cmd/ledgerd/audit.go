package main

import (
	"context"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/projections"
)

// auditIndex serves httpapi.Audit from the audit projection (which both roles build, so a reader
// answers the audit routes and time travel from its own read model).
type auditIndex struct{ *projections.Audit }

// Query implements httpapi.Audit.
func (a auditIndex) Query(ctx context.Context, q httpapi.AuditQuery) (httpapi.AuditPage, error) {
	p, err := a.Audit.Query(ctx, projections.AuditQuery{
		LedgerNo: q.LedgerNo, FromPosition: q.FromPosition, Limit: q.Limit,
		Type: q.Type, Actor: q.Actor, CorrelationID: q.CorrelationID, Since: q.Since, Until: q.Until,
	})
	return httpapi.AuditPage{Events: p.Events, Next: p.Next}, err
}
