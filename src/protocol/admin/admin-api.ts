import type { DeploymentPolicyInput } from '../../core/deployment/policy.js';
import type { FeatureSignature } from '../../core/features/feature-spec.js';
import type { VersionProfile } from '../../core/profile/types.js';
import type { AbAdminApi } from './ab-admin-api.js';
import type { AlertsAdminApi } from './alerts-admin-api.js';
import type { DeliveryAdminApi } from './delivery-admin-api.js';
import type { RolloutAdminApi } from './rollout-admin-api.js';
import type { DeploymentChangeDto, DeploymentDto } from './deployment-dto.js';
import type { DriftReport, DriftReportQuery } from './drift-dto.js';
import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from './dto.js';
import type {
  AccuracyAnswerDto,
  AccuracyQueryInput,
  FeedbackAnswerDto,
  FeedbackItemDto,
  PredictionListQuery,
  PredictionPageDto,
} from './monitoring-dto.js';
import type { VersionProfileAnswerDto } from './profile-dto.js';

/**
 * AdminApi: every registry operation the CLI offers, as one interface with two implementations: `ServiceAdmin`
 * (in-process, over the services; also what the HTTP admin routes call) and `HttpAdminClient` (a client of a
 * running server's admin API). The CLI picks one per invocation, so its commands never know which it has.
 *
 * Errors are MooringErrors with the registry's codes in both implementations (the HTTP client rebuilds them from
 * the server's `{ error, code }` bodies).
 */
export interface AdminApi extends AlertsAdminApi, DeliveryAdminApi, RolloutAdminApi, AbAdminApi {
  listModels(): Promise<ModelDto[]>;
  /** A model with all its versions. */
  getModel(name: string): Promise<ModelDetailDto>;
  /** One version by reference: `NAME` (production), `NAME@ALIAS`, `NAME@latest`, `NAME@v3` or `NAME/3`. */
  getVersion(ref: string): Promise<ModelVersionDto>;
  /** Registers a new version from artifact bytes; optionally points an alias at it (through `deploy` for production). */
  register(input: RegisterInput): Promise<ModelVersionDto>;
  /** The training profile of one version (by reference, as `getVersion`); `profile` is null when it has none. */
  getProfile(ref: string): Promise<VersionProfileAnswerDto>;
  /** Points an alias at a version; `production` goes through `deploy` (loaded and warm before it moves). */
  setAlias(name: string, alias: string, version: number, reason?: string): Promise<AliasEventDto>;
  deleteAlias(name: string, alias: string, reason?: string): Promise<AliasEventDto>;
  /**
   * Moves `production` to a version. Where a server serves the model, the call returns once the version is loaded,
   * warm and answering; a version that fails to load leaves the alias where it was.
   */
  deploy(name: string, version: number, reason?: string): Promise<AliasEventDto>;
  /** Moves `production` back to the version it held before its last move (NOTHING_TO_ROLL_BACK if none). */
  rollback(name: string, reason?: string): Promise<AliasEventDto>;
  /** Alias moves of a model, oldest first (one alias when given). */
  history(name: string, alias?: string): Promise<AliasEventDto[]>;
  /** Which version `alias` held at time `at` (epoch ms); null when it pointed nowhere. */
  aliasAt(name: string, alias: string, at: number): Promise<{ name: string; alias: string; at: string; version: number | null }>;
  /** The deployment policy in force: the latest revision, or revision 0 (the defaults) when never set. */
  getDeployment(name: string): Promise<DeploymentDto>;
  /**
   * Merges `patch` onto the policy in force (with `options.replace`: makes it the whole policy, defaults for what it
   * leaves out) and stores the result as a new revision (with `reason` on it and its audit record). A write that
   * changes nothing writes nothing and answers `changed: false`.
   */
  setDeployment(name: string, patch: DeploymentPolicyInput, reason?: string, options?: SetDeploymentOptions): Promise<DeploymentChangeDto>;
  /** Every revision of the deployment policy, oldest first ([] when never set). */
  deploymentHistory(name: string): Promise<DeploymentDto[]>;
  /** Audit records, newest first. */
  audit(filter?: { target?: string; limit?: number }): Promise<AuditRecordDto[]>;
  /**
   * Runs a prediction. `body` is an Open Inference Protocol v2 infer request (has `inputs`) or a records request
   * (has `instances`); the answer is that protocol's response body.
   */
  predict(ref: string, body: unknown): Promise<PredictResult>;
  /**
   * Logged predictions of a model, newest first, one page at a time (labels joined). MODEL_NOT_FOUND for an unknown
   * model; times are ISO-8601, epoch ms, or a duration meaning "that long ago" (`1h`).
   */
  listPredictions(name: string, query?: PredictionListQuery): Promise<PredictionPageDto>;
  /**
   * Stores ground-truth labels for predictions by request id, all or none (INVALID_REQUEST naming the first bad
   * item). A label may arrive before its prediction is in the log; it is joined when the prediction arrives.
   */
  sendFeedback(items: readonly FeedbackItemDto[]): Promise<FeedbackAnswerDto>;
  /** Live accuracy per version over a time range, optionally per time window (see AccuracyQueryInput). */
  accuracy(name: string, query?: AccuracyQueryInput): Promise<AccuracyAnswerDto>;
  /**
   * Drift of a version's logged traffic against its training profile, every feature and output column (see
   * DriftReportQuery for the window). PROFILE_NOT_FOUND when the version was registered without reference data.
   */
  driftReport(name: string, query?: DriftReportQuery): Promise<DriftReport>;
  /** The same report as one self-contained HTML page with a chart per column. */
  driftReportHtml(name: string, query?: DriftReportQuery): Promise<string>;
}

/** How `setDeployment` writes. */
export interface SetDeploymentOptions {
  /**
   * True: the policy becomes exactly the given one, with the defaults for what it leaves out (declarative, as
   * `mooring apply`). False or absent: the given fields are merged onto the policy in force.
   */
  replace?: boolean;
}

/** What `register` takes. */
export interface RegisterInput {
  name: string;
  artifact: Uint8Array;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasetVersion?: string | null;
  /** ISO-8601 or epoch ms as text; parsed by the service. */
  trainedAt?: string | null;
  description?: string | null;
  source?: string | null;
  alias?: string | null;
  /** Named features of the model's one input. */
  features?: FeatureSignature | null;
  /** The training profile (needs `features`); computed by the caller, e.g. by the CLI from a reference file. */
  profile?: VersionProfile | null;
}

/** A prediction's answer and the version that produced it. */
export interface PredictResult {
  modelVersion: string;
  body: unknown;
}
