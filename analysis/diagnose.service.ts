/** `pilot diagnose`: design diagnosis of a plan file by simulation (no database). */
import seedrandom from 'seedrandom';
import { diagnose, type Diagnosis, type DiagnosisDesign } from './design-diagnosis.ts';
import { readPlanFile } from './plan.service.ts';

export async function diagnosePlanFile(
  file: string,
  design: DiagnosisDesign,
  seed: string,
  progress: (done: number) => void = () => {},
): Promise<Diagnosis> {
  const plan = await readPlanFile(file);
  return diagnose(plan, design, seedrandom.alea(`pilot-diagnose|${seed}`), progress);
}
