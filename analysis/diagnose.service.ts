/** `pilot diagnose`: design diagnosis of a plan file by simulation (no database). */
import seedrandom from 'seedrandom';
import { diagnose, type Diagnosis, type DiagnosisDesign } from './design-diagnosis.ts';
import { AppError } from '../errors.ts';
import { parsePlan } from './analysis-plan.ts';
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

/** `pilot diagnose` over HTTP: the plan sent as JSON instead of a file. */
export async function diagnosePlan(
  value: unknown,
  design: DiagnosisDesign,
  seed: string,
): Promise<Diagnosis> {
  const parsed = parsePlan(value);
  if (!parsed.ok)
    throw new AppError('BAD_INPUT', 'the plan is not a valid analysis plan', { problems: parsed.problems });
  return diagnose(parsed.plan, design, seedrandom.alea(`pilot-diagnose|${seed}`), () => {});
}
