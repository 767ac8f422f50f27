/**
 * Loads the monitoring assets in deploy/ (the Grafana dashboard and the Prometheus rules) and lists every query in
 * them with where it sits, so the tests can check each one against the metric catalog.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** Paths of the assets and of the guide that explains them. */
export const ASSETS = {
  dashboard: root('deploy/grafana/mooring-dashboard.json'),
  rules: root('deploy/prometheus/mooring-alerts.yaml'),
  prometheus: root('deploy/prometheus/prometheus.yml'),
  guide: root('docs/guides/monitoring-with-prometheus.md'),
} as const;

/** The part of a Grafana panel the checks read. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ expr?: string; refId?: string; legendFormat?: string; format?: string; datasource?: { type?: string; uid?: string } }>;
  panels?: Panel[];
  collapsed?: boolean;
  repeat?: string;
}

/** The part of a Grafana template variable the checks read. */
export interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  datasource?: { type?: string; uid?: string };
  multi?: boolean;
  includeAll?: boolean;
}

/** The part of a Grafana dashboard the checks read. */
export interface Dashboard {
  id?: number | null;
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

/** One Prometheus alerting rule, as written in the YAML. */
export interface AlertRule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** A Prometheus rule file. */
export interface RuleFile {
  groups: Array<{ name: string; rules: AlertRule[] }>;
}

/** A PromQL expression and where it was found. */
export interface Query {
  readonly where: string;
  readonly expr: string;
  /** The panel it belongs to (dashboard queries only). */
  readonly panel?: Panel;
  /** The row the panel sits under (dashboard queries only). */
  readonly row?: string;
}

export function loadDashboard(path: string = ASSETS.dashboard): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

export function loadRules(path: string = ASSETS.rules): RuleFile {
  return parseYaml(readFileSync(path, 'utf8')) as RuleFile;
}

/** Every panel, rows and the panels inside collapsed rows included, each with the title of the row above it. */
export function allPanels(d: Dashboard): Array<{ panel: Panel; row: string }> {
  const out: Array<{ panel: Panel; row: string }> = [];
  let row = '';
  for (const p of d.panels) {
    if (p.type === 'row') row = p.title;
    out.push({ panel: p, row });
    for (const child of p.panels ?? []) out.push({ panel: child, row });
  }
  return out;
}

/** Every PromQL expression of the dashboard's panels (not the variables: those are Grafana queries). */
export function dashboardQueries(d: Dashboard): Query[] {
  const out: Query[] = [];
  for (const { panel, row } of allPanels(d)) {
    for (const t of panel.targets ?? []) {
      if (typeof t.expr === 'string') out.push({ where: `panel ${panel.id} "${panel.title}" ${t.refId ?? ''}`, expr: t.expr, panel, row });
    }
  }
  return out;
}

/** Every rule's expression. */
export function ruleQueries(f: RuleFile): Query[] {
  return f.groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `rule ${g.name}/${r.alert ?? r.record ?? '?'}`, expr: typeof r.expr === 'string' ? r.expr : '' })),
  );
}

/** The selector and label of a Grafana `label_values(selector, label)` variable query, or null. */
export function parseLabelValues(q: string): { selector: string; label: string } | null {
  const m = /^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(q);
  return m === null ? null : { selector: m[1]!, label: m[2]! };
}
