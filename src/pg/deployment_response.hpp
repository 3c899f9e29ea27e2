// Prefect's DeploymentResponse as a ResponseShape (response_shape.hpp).
#pragma once
#include "pg/response_shape.hpp"

namespace prefect_filter {

extern const ResponseShape kDeploymentResponse;

}  // namespace prefect_filter
