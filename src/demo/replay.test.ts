/**
 * The script, replayed through the engine's own state: what the live demo must show if every step is seen
 * once. These keep the scenario honest when someone retunes it.
 */
import { replayScenario } from './replay';
import { DEFAULT_SCENARIO } from './scenario';

const { tracker, state } = replayScenario(DEFAULT_SCENARIO);
const reports = tracker.reports();

describe('the default scenario, replayed offline', () => {
  it.each(reports.map((r) => [r.kind, r]))('%s: warned of after it started', (_kind, r) => {
    expect(r.warning).toBeDefined();
    expect(r.warning!.step).toBeGreaterThanOrEqual(r.start);
  });

  it.each(reports.filter((r) => r.thresholdFired !== undefined).map((r) => [r.kind, r]))(
    '%s: the entropy warning comes before the threshold alert',
    (_kind, r) => {
      expect(r.leadSteps).toBeGreaterThan(0);
    }
  );

  it('every incident but the stuck process reaches its threshold alert within the script', () => {
    expect(reports.filter((r) => r.thresholdFired === undefined).map((r) => r.kind)).toEqual(['stuck_process']);
  });

  it('the stuck process collapses entropy (z far below baseline) on CPU and disk', () => {
    const host = state.hosts.get('batch-1')!;
    for (const indicator of ['cpu', 'disk']) {
      expect(host.series.get(indicator)!.current!.z).toBeLessThan(-3);
    }
  });

  it('no entropy warning outside the incidents (the control host and the quiet host stay calm)', () => {
    expect(tracker.falseAlarms()).toEqual([]);
  });

  it('at the end the quiet and the stuck host both have entropy near 0; only utilization tells them apart', () => {
    const quiet = state.hosts.get(DEFAULT_SCENARIO.quietHost)!;
    const stuck = state.hosts.get('batch-1')!;
    expect(quiet.last!.score).toBeLessThan(0.05);
    expect(stuck.last!.score).toBeLessThan(0.1);
    expect(quiet.series.get('cpu')!.current!.value).toBeLessThan(0.1);
    expect(stuck.series.get('cpu')!.current!.value).toBeGreaterThan(0.85);
    // Every other host's aggregate is clearly above both.
    for (const h of state.hosts.values()) {
      if (h !== quiet && h !== stuck) {
        expect(h.last!.score).toBeGreaterThan(0.1);
      }
    }
  });
});

describe('the default scenario, decided offline by the engine decision loop', () => {
  const { decisions } = replayScenario(DEFAULT_SCENARIO);
  const acted = (resource: string, action: string) =>
    decisions.filter((d) => d.resource === resource && d.decision.action === action);

  it('scales the quiet host down, step by step, within its bounds', () => {
    const downs = acted(DEFAULT_SCENARIO.quietHost, 'scale_down');
    expect(downs.length).toBeGreaterThanOrEqual(2);
    expect(downs.every((d) => d.decision.kind === 'stable_low_entropy')).toBe(true);
    expect(downs[0].decision.change.cpu).toEqual({ from: 4, to: 3 });
    expect(acted(DEFAULT_SCENARIO.quietHost, 'scale_up')).toEqual([]);
  });

  it('never scales the flatlined host down, and raises saturation there (with a scale-up)', () => {
    const stuck = DEFAULT_SCENARIO.incidents.find((i) => i.kind === 'stuck_process')!.host;
    expect(acted(stuck, 'scale_down')).toEqual([]);
    const saturated = decisions.filter((d) => d.resource === stuck && d.decision.alerts.includes('saturation'));
    expect(saturated.length).toBeGreaterThan(0);
    expect(saturated[0].decision.kind).toBe('collapsed_entropy');
    expect(acted(stuck, 'scale_up').length).toBeGreaterThan(0);
  });

  it.each(DEFAULT_SCENARIO.incidents.filter((i) => i.expect === 'scale_up').map((i) => [i.kind, i]))(
    '%s: scaled up on rising entropy after it started, never down',
    (_kind, incident) => {
      const ups = acted(incident.host, 'scale_up');
      expect(ups.length).toBeGreaterThan(0);
      expect(ups[0].step).toBeGreaterThanOrEqual(incident.start);
      expect(ups[0].decision.kind).toBe('rising_entropy');
      expect(acted(incident.host, 'scale_down')).toEqual([]);
    }
  );

  it('takes no scaling action on the control host or for the memory leak (its CPU is normal)', () => {
    const leak = DEFAULT_SCENARIO.incidents.find((i) => i.kind === 'memory_leak')!.host;
    for (const host of [...DEFAULT_SCENARIO.controlHosts, leak]) {
      expect(decisions.filter((d) => d.resource === host && d.decision.action !== 'none')).toEqual([]);
    }
  });
});
