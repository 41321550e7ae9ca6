/**
 * What a bench stage cost besides its seconds: this process's peak RSS during the stage, the CPU seconds this
 * process spent, and how busy the whole machine's cores were (the database servers included). The last two
 * say where a stage's time goes: a stage whose process is idle while the machine's cores are full is bound by
 * the database servers, and no change in our code alone can make it much faster.
 */
import os from 'node:os';

export interface StageCost {
  /** Highest resident set size of this process while the stage ran (sampled every 50 ms, plus the OS high-water mark). */
  peakRssMB: number;
  /** CPU seconds this process used (user + system). */
  processCpuSeconds: number;
  /** Share of all the machine's cores that were busy, in percent (every process on the machine). */
  machineCpuPct: number;
}

export function machineTicks(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const b = times.user + times.nice + times.sys + times.irq;
    busy += b;
    total += b + times.idle;
  }
  return { busy, total };
}

const MB = 1024 * 1024;

/** Runs `fn` and measures what it cost (see StageCost). */
export async function metered<T>(fn: () => Promise<T>): Promise<{ value: T; cost: StageCost }> {
  const ticks = machineTicks();
  const cpu = process.cpuUsage();
  const maxRssBefore = process.resourceUsage().maxRSS;
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 50);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    // When the process's all-time high was set during this stage, it is this stage's peak (it may fall between samples).
    const maxRssAfter = process.resourceUsage().maxRSS;
    if (maxRssAfter > maxRssBefore) peak = Math.max(peak, maxRssAfter * 1024);
    const used = process.cpuUsage(cpu);
    const now = machineTicks();
    const total = now.total - ticks.total;
    return {
      value,
      cost: {
        peakRssMB: Math.round(peak / MB),
        processCpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(1)),
        machineCpuPct: total > 0 ? Math.round((100 * (now.busy - ticks.busy)) / total) : 0,
      },
    };
  } finally {
    clearInterval(timer);
  }
}

/** Samples the machine's cores every 250 ms until stop(), which returns the seconds they were at least 90% busy. */
export function sampleSaturation(): { stop(): number } {
  let last = machineTicks();
  let saturated = 0;
  const timer = setInterval(() => {
    const now = machineTicks();
    if (now.total > last.total && (now.busy - last.busy) / (now.total - last.total) >= 0.9) saturated += 0.25;
    last = now;
  }, 250);
  return { stop: () => (clearInterval(timer), saturated) };
}
