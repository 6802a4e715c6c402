import type { ApiError } from '../../../shared/api/result';

interface Issue {
  path: string[];
  message: string;
}

function issuesOf(error: ApiError): Issue[] {
  const details = error.details as { issues?: unknown } | undefined;
  if (error.code !== 'INVALID_INPUT' || !Array.isArray(details?.issues)) return [];
  return details.issues.filter(
    (issue): issue is Issue => typeof issue === 'object' && issue !== null && Array.isArray((issue as Issue).path) && typeof (issue as Issue).message === 'string',
  );
}

/**
 * A refusal in the words of the form it came from: input the API refused names the form's field
 * ("Daily cap: must be at least 1") rather than the method and the path of its schema
 * ("accounts.add: dailyCap: …"). `label` names a field by its path, or gives undefined for one the
 * form does not show; any other refusal keeps its own message.
 */
export function refusalInFormWords(error: ApiError, label: (path: readonly string[]) => string | undefined): string {
  const issues = issuesOf(error);
  if (issues.length === 0) return error.message;
  return issues
    .slice(0, 3)
    .map((issue) => {
      const field = label(issue.path);
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join(' · ');
}
