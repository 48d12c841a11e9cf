export {
  GITHUB_COMMENT_LIMIT,
  startGitHubFake,
  type FakeComment,
  type GitHubFake,
  type RecordedRequest as GitHubRecordedRequest,
  type RepositoryRole,
  type StartGitHubFakeOptions,
} from './github-fake.js';
