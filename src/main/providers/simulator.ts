import type Database from 'better-sqlite3';
import { unitHash } from '../../shared/engine/random';
import { defaultSimulatorConfig, type SimulatorConfig } from '../../shared/engine/simulation';
import { classifyProviderError } from './errors';
import type { InboundMessage, ProviderAdapter, Receipt, ReceiptStatus, SendRequest, SendResult } from './types';

/**
 * The embedded provider: realistic enough to plan with, fully reproducible. Every outcome is a
 * hash of (seed, key or phone), never a draw from a shared stream, so the same message gets the
 * same outcome whatever order messages are sent in. Timing follows the sender's throughput:
 * accepted messages leave a queue in the order they were accepted, one slot apart (like a
 * real sender, a million-message send takes hours to go out), and each receipt comes back a
 * hashed latency after its message left. Like a provider with idempotency keys, it
 * keeps a ledger of what it accepted (in SQLite, so it survives a crash of the sender) and
 * answers a repeated key with the original message id instead of sending twice.
 */
export class SimulatorProvider implements ProviderAdapter {
  readonly id = 'simulator';
  readonly capabilities = { channels: ['sms', 'mms'] as const, idempotentSend: true, isTransactional: true };
  readonly config: SimulatorConfig;
  private readonly statements: ReturnType<typeof prepare>;
  /** When the queue is next free, ms; read from the ledger on first use. */
  private queueFreeAt: number | null = null;

  constructor(
    private readonly sqlite: Database.Database,
    config: Partial<SimulatorConfig> = {},
  ) {
    this.config = { ...defaultSimulatorConfig(config.seed ?? 1), ...config };
    this.statements = prepare(sqlite);
  }

  carrierOf(phone: string): { name: string; deliveryRate: number } {
    const carriers = this.config.carriers;
    const total = carriers.reduce((sum, c) => sum + c.share, 0) || 1;
    let roll = unitHash(this.config.seed, 'carrier', phone) * total;
    for (const carrier of carriers) {
      roll -= carrier.share;
      if (roll < 0) return carrier;
    }
    return carriers[carriers.length - 1] ?? { name: 'Unknown', deliveryRate: 1 };
  }

  isMmsCapable(phone: string): boolean {
    return unitHash(this.config.seed, 'mms', phone) >= this.config.mmsIncapableShare;
  }

  async send(request: SendRequest): Promise<SendResult> {
    return this.sendSync(request);
  }

  /** All or nothing: a crash mid-batch leaves none of it accepted, and the sender resends them all. */
  async sendBatch(requests: readonly SendRequest[]): Promise<SendResult[]> {
    return this.sqlite.transaction(() => requests.map((request) => this.sendSync(request)))();
  }

  sendInTransaction(sqlite: unknown, requests: readonly SendRequest[]): SendResult[] {
    if (sqlite !== this.sqlite) throw new Error('the simulator joins only transactions on the connection it writes its ledger through');
    if (!this.sqlite.inTransaction) throw new Error('sendInTransaction needs an open transaction');
    return requests.map((request) => this.sendSync(request));
  }

  /** Synchronous core; the async wrapper exists only to honour the adapter interface. */
  sendSync(request: SendRequest): SendResult {
    const { seed } = this.config;
    // Each attempt is its own draw, keyed by when it is made (retries come later), so a restarted
    // process does not meet the same refusal again, and the same run still gets the same answers.
    const attempt = request.now;
    if (unitHash(seed, 'transient', request.idempotencyKey, attempt) < this.config.transientErrorRate) {
      const isRateLimit = unitHash(seed, 'kind', request.idempotencyKey, attempt) < 0.5;
      const code = isRateLimit ? 'SIM_RATE_LIMITED' : 'SIM_TEMPORARY';
      return {
        ok: false,
        errorClass: classifyProviderError(code),
        code,
        message: isRateLimit ? 'too many requests' : 'temporary carrier error',
        ...(isRateLimit ? { retryAfterMs: 1_000 + Math.floor(unitHash(seed, 'retry', request.idempotencyKey) * 4_000) } : {}),
      };
    }

    const carrier = this.carrierOf(request.to);
    let status: ReceiptStatus = 'delivered';
    let code: string | null = null;
    if (request.channel === 'mms' && !this.isMmsCapable(request.to)) {
      status = 'undelivered';
      code = 'SIM_MMS_UNSUPPORTED';
    } else if (unitHash(seed, 'deliver', request.idempotencyKey) >= carrier.deliveryRate) {
      status = 'undelivered';
      code = 'SIM_UNREACHABLE';
    }
    const { min, max } = this.config.latencyMs;
    const queueBefore = this.queueFreeAt;
    const dispatchedAt = this.dispatchSlot(request.now);
    const latency = min + Math.floor(unitHash(seed, 'latency', request.idempotencyKey) * Math.max(0, max - min + 1));
    const receiptAt = dispatchedAt + Math.max(1, latency);
    const replies = status === 'delivered' && unitHash(seed, 'stop', request.idempotencyKey) < this.config.stopReplyRate;
    const replyAt = replies ? receiptAt + 60_000 + Math.floor(unitHash(seed, 'stop-delay', request.idempotencyKey) * 3_600_000) : null;
    // Derived from the key, so it is reproducible and follows the order keys are made in: both
    // indexes on provider ids (the ledger's and the outbox's) then append instead of inserting at
    // random places, which at a million messages is the difference between cached pages and a
    // random read per send. Real providers' ids are opaque to the engine; nothing parses this.
    const providerMessageId = `SM${request.idempotencyKey}`;
    // Insert first and look only when the key is already there: a resend is rare, a lookup per send is not.
    const inserted = this.statements.insert.run(
      request.idempotencyKey,
      providerMessageId,
      request.to,
      request.channel,
      carrier.name,
      request.now,
      dispatchedAt,
      status,
      code,
      receiptAt,
      replies ? 'STOP' : null,
      replyAt,
    );
    if (inserted.changes === 0) {
      // A resend of a key it already took: the original message id, nothing sent again, no queue slot used.
      if (queueBefore !== null) this.queueFreeAt = queueBefore;
      this.statements.bumpCalls.run(request.idempotencyKey);
      const existing = this.statements.find.get(request.idempotencyKey) as { provider_message_id: string };
      return { ok: true, providerMessageId: existing.provider_message_id, isDuplicate: true };
    }
    return { ok: true, providerMessageId, isDuplicate: false };
  }

  /**
   * The instant an accepted message leaves the queue: now if the queue is idle, else one slot
   * after the message before it. The position lives in memory and is read back from the ledger
   * (the last receipts' rows) when a new instance first sends; a rolled-back batch may leave a
   * gap in the queue, never a change of outcome.
   */
  private dispatchSlot(now: number): number {
    const perSecond = this.config.throughputPerSecond;
    if (!(perSecond > 0)) return now;
    if (this.queueFreeAt === null) {
      const window = Math.max(0, this.config.latencyMs.max - this.config.latencyMs.min) + 1;
      const last = this.statements.lastDispatch.get(window) as number | null | undefined;
      this.queueFreeAt = typeof last === 'number' ? last + 1000 / perSecond : Number.NEGATIVE_INFINITY;
    }
    const slot = Math.max(now, this.queueFreeAt);
    this.queueFreeAt = slot + 1000 / perSecond;
    return Math.round(slot);
  }

  async status(providerMessageId: string): Promise<Receipt | null> {
    const row = this.statements.byProviderId.get(providerMessageId) as LedgerRow | undefined;
    return row ? this.receiptOf(row) : null;
  }

  async poll(after: number, until: number): Promise<{ receipts: Receipt[]; inbound: InboundMessage[] }> {
    return this.pollSync(after, until);
  }

  pollSync(after: number, until: number): { receipts: Receipt[]; inbound: InboundMessage[] } {
    const receipts = (this.statements.receipts.all(after, until) as LedgerRow[]).map((row) => this.receiptOf(row));
    const inbound = (this.statements.replies.all(after, until) as Array<{ to_phone: string; reply_body: string; reply_at: number }>).map(
      (row) => ({ from: row.to_phone, body: row.reply_body, at: row.reply_at }),
    );
    return { receipts, inbound };
  }

  nextDueAt(after: number): number | null {
    const row = this.statements.nextDue.get(after, after) as { next: number | null } | undefined;
    return row?.next ?? null;
  }

  pollUntil(after: number, until: number, maxItems: number): number {
    const beyond = this.statements.nthReceiptAfter.get(after, until, Math.max(1, maxItems)) as number | undefined;
    if (beyond === undefined) return until;
    const first = this.statements.nthReceiptAfter.get(after, until, 0) as number;
    return Math.max(first, beyond - 1);
  }

  classifyError(code: string, httpStatus?: number) {
    return classifyProviderError(code, httpStatus);
  }

  private receiptOf(row: LedgerRow): Receipt {
    const status = row.outcome as ReceiptStatus;
    return {
      providerMessageId: row.provider_message_id,
      status,
      code: row.error_code,
      errorClass: row.error_code ? classifyProviderError(row.error_code) : null,
      at: row.receipt_at,
    };
  }
}

interface LedgerRow {
  provider_message_id: string;
  outcome: string;
  error_code: string | null;
  receipt_at: number;
}

function prepare(sqlite: Database.Database) {
  return {
    find: sqlite.prepare('SELECT provider_message_id FROM simulator_messages WHERE idempotency_key = ?'),
    bumpCalls: sqlite.prepare('UPDATE simulator_messages SET send_calls = send_calls + 1 WHERE idempotency_key = ?'),
    insert: sqlite.prepare(
      `INSERT INTO simulator_messages (idempotency_key, provider_message_id, to_phone, channel, carrier, accepted_at, dispatched_at, outcome, error_code,
         receipt_at, reply_body, reply_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(idempotency_key) DO NOTHING`,
    ),
    /**
     * The latest dispatch: its receipt is among those due within one latency spread of the last
     * receipt (receipt = dispatch + latency, latency within [min, max]), a short range of the index.
     */
    lastDispatch: sqlite
      .prepare(
        `SELECT max(dispatched_at) FROM simulator_messages
         WHERE receipt_at >= (SELECT max(receipt_at) FROM simulator_messages) - ?`,
      )
      .pluck(),
    byProviderId: sqlite.prepare('SELECT provider_message_id, outcome, error_code, receipt_at FROM simulator_messages WHERE provider_message_id = ?'),
    receipts: sqlite.prepare(
      'SELECT provider_message_id, outcome, error_code, receipt_at FROM simulator_messages WHERE receipt_at > ? AND receipt_at <= ? ORDER BY receipt_at, provider_message_id',
    ),
    replies: sqlite.prepare(
      'SELECT to_phone, reply_body, reply_at FROM simulator_messages WHERE reply_at IS NOT NULL AND reply_at > ? AND reply_at <= ? ORDER BY reply_at, provider_message_id',
    ),
    /** The receipt time of the n-th (0-based) receipt due in (after, until]. */
    nthReceiptAfter: sqlite
      .prepare('SELECT receipt_at FROM simulator_messages WHERE receipt_at > ? AND receipt_at <= ? ORDER BY receipt_at LIMIT 1 OFFSET ?')
      .pluck(),
    nextDue: sqlite.prepare(
      `SELECT min(t) AS next FROM (
         SELECT min(receipt_at) AS t FROM simulator_messages WHERE receipt_at > ?
         UNION ALL SELECT min(reply_at) FROM simulator_messages WHERE reply_at IS NOT NULL AND reply_at > ?)`,
    ),
  };
}
