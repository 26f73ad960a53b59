package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const deliveryColumns = `message_id, part, channel, platform_message_id, status, detail, attempts, updated_at`

// RecordDelivery creates or replaces the delivery (d.MessageID, d.Part).
func (db *DB) RecordDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error) {
	op := fmt.Sprintf("record delivery %s/%d", d.MessageID, d.Part)
	d, err := store.CheckDelivery(d)
	if err != nil {
		return d, fmt.Errorf("postgres: %s: %w", op, err)
	}
	d.UpdatedAt = now()
	_, err = db.pool.Exec(ctx, `INSERT INTO deliveries (`+deliveryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (message_id, part) DO UPDATE SET channel = excluded.channel,
		platform_message_id = excluded.platform_message_id, status = excluded.status, detail = excluded.detail,
		attempts = excluded.attempts, updated_at = excluded.updated_at`,
		d.MessageID, d.Part, d.Channel, d.PlatformMessageID, string(d.Status), d.Detail, d.Attempts, d.UpdatedAt)
	if err != nil {
		return store.Delivery{}, dbErr(op, err)
	}
	return d, nil
}

// DeliveryByPlatformID returns ErrNotFound if none, and for an empty id.
func (db *DB) DeliveryByPlatformID(ctx context.Context, channel, platformMessageID string) (store.Delivery, error) {
	op := fmt.Sprintf("delivery %s/%q", channel, platformMessageID)
	if platformMessageID == "" {
		return store.Delivery{}, dbErr(op, pgx.ErrNoRows)
	}
	ds, err := db.queryDeliveries(ctx, `WHERE channel = $1 AND platform_message_id = $2`, channel, platformMessageID)
	if err == nil && len(ds) == 0 {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return store.Delivery{}, dbErr(op, err)
	}
	return ds[0], nil
}

// Deliveries lists a message's deliveries by part.
func (db *DB) Deliveries(ctx context.Context, messageID string) ([]store.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `WHERE message_id = $1 ORDER BY part`, messageID)
	if err != nil {
		return nil, dbErr(fmt.Sprintf("deliveries of %q", messageID), err)
	}
	return ds, nil
}

func (db *DB) queryDeliveries(ctx context.Context, where string, args ...any) ([]store.Delivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Delivery{}
	for rows.Next() {
		var (
			d      store.Delivery
			status string
		)
		if err := rows.Scan(&d.MessageID, &d.Part, &d.Channel, &d.PlatformMessageID, &status, &d.Detail, &d.Attempts, &d.UpdatedAt); err != nil {
			return nil, err
		}
		d.Status, d.UpdatedAt = store.DeliveryStatus(status), d.UpdatedAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	return out, nil
}
