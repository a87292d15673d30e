// The report, reproduced: its section-4 claims, the rules that give each a verdict from recorded
// runs, the figures' data and the runs still to train. Pure TypeScript (imports only src-shared):
// the Report page, the API and `npm run report` all call these.
//
//   const result = evaluateReport(runs);      // ReportRun[] from the database
//   result.claims                              // one ClaimResult per claim, in the report's order
//   reportJson(result)                         // { claims: [{ id, title, report, ours, verdict, explanation }] }
//   reportFigures(groupReportRuns(runs).get('report'))
//   missingRuns(runs, { seeds: 3 })            // what to queue

export { CLAIMS, claimDef, MIN_SEEDS, VERDICTS, type ClaimDef, type ClaimId, type ClaimNeed, type Verdict } from './claims';
export { evaluateClaim, evaluateReport, reportJson, runStall, type ClaimResult, type MissingPart, type ReportJson, type ReportResult, type RuleVerdict } from './evaluate';
export { reportFigures, representativeRun, type ReportFigures } from './figures';
export { missingRuns, multiSeedPresets, plannedRuns, type PlannedRun } from './plan';
export {
  compareSpeed, confusedPairs, convergedEpoch, detectStall, detectStallInEpochs, earlyAccuracy, meanConfusedPairs, meanLossFrom, placeInSpread, spreadOf, topPairs,
  type ConfusedPair, type EpochPoint, type Spread, type Stall,
} from './rules';
export { exclusionReason, groupReportRuns, MNIST_TRAIN_COUNT, REPORT_DATASET, reportPresetOf, type ExcludedRun, type PresetRuns, type ReportRun, type UsableRun } from './runs';
